"""`py-release init`: the workflow it writes passes doctor with no warning, the permissions and
pins are what the checklist asks, the trusted-publisher values and links it prints, and its
errors. The linters (actionlint, zizmor) run on its output in tests/integration/test_init_lint.py;
act runs it in tests/e2e/test_init_under_act.py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from py_release.cli import main
from py_release.errors import ReleaseError
from py_release.workflow.doctor import audit
from py_release.workflow.init import (
    GitHubRelease,
    GitHubRepository,
    WorkflowSpec,
    parse_remote,
    project_name,
    render_workflow,
)
from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, PINS, UPLOAD_ARTIFACT, Pin
from tests.helpers import REPO, copy_sample

RELEASES: list[GitHubRelease] = ["false", "true", "draft"]


def _jobs(text: str) -> dict[str, Any]:
    jobs = yaml.safe_load(text)["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _uses(text: str) -> list[str]:
    return [str(s["uses"]) for job in _jobs(text).values() for s in job["steps"] if "uses" in s]


@pytest.mark.parametrize("release", RELEASES)
def test_doctor_passes_every_item_of_the_generated_workflow(release: GitHubRelease) -> None:
    text = render_workflow(WorkflowSpec("Sample_Project", github_release=release))
    findings = audit(text, "release.yml")
    assert [f for f in findings if f.level != "pass"] == []
    passed = {f.check: f.message for f in findings}
    assert passed["environment"] == "every publishing job has an environment"
    assert passed["separate-indexes"] == "TestPyPI and PyPI are published from separate jobs"


@pytest.mark.parametrize("release", RELEASES)
def test_permissions_are_granted_per_job_and_only_where_needed(release: GitHubRelease) -> None:
    text = render_workflow(WorkflowSpec("sample", github_release=release))
    assert yaml.safe_load(text)["permissions"] == {}
    jobs = _jobs(text)
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["testpypi"]["permissions"] == {"id-token": "write"}
    pypi = {"id-token": "write"} | ({} if release == "false" else {"contents": "write"})
    assert jobs["pypi"]["permissions"] == pypi


def test_one_build_checked_once_feeds_both_indexes_from_their_own_environments() -> None:
    jobs = _jobs(render_workflow(WorkflowSpec("Sample_Project", project_dir="pkgs/sample")))
    build = {s["uses"].split("@")[0]: s.get("with", {}) for s in jobs["build"]["steps"]}
    assert build[CHECKOUT.action] == {"persist-credentials": False}
    assert build[ACTION.action] == {
        "dry-run": True, "project-dir": "pkgs/sample", "packages-dir": "dist",
    }  # fmt: skip
    assert build[UPLOAD_ARTIFACT.action]["name"] == "distributions"
    for job_id, index, environment, host in [
        ("testpypi", "testpypi", "testpypi", "https://test.pypi.org"),
        ("pypi", "pypi", "pypi", "https://pypi.org"),
    ]:
        job = jobs[job_id]
        assert job["needs"] == "build"
        assert job["environment"] == {
            "name": environment, "url": f"{host}/project/sample-project/",
        }  # fmt: skip
        download, publish = job["steps"]
        assert download["uses"].startswith(DOWNLOAD_ARTIFACT.action + "@")
        assert download["with"] == {"name": "distributions", "path": "dist/"}
        assert publish["with"]["repository"] == index
        assert publish["with"]["build"] is False  # never rebuilt where a token can be minted
        assert not any(s.get("uses", "").startswith(CHECKOUT.action) for s in job["steps"])
    assert jobs["pypi"]["if"] == (
        "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"
    )
    assert jobs["testpypi"]["if"] == (
        "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    )


@pytest.mark.parametrize("release", ["true", "draft"])
def test_github_release_is_made_by_the_pypi_job(release: GitHubRelease) -> None:
    jobs = _jobs(render_workflow(WorkflowSpec("sample", github_release=release)))
    assert jobs["pypi"]["steps"][-1]["with"]["github-release"] == (release == "true" or release)
    assert "github-release" not in jobs["testpypi"]["steps"][-1]["with"]


def test_every_action_is_pinned_from_the_table() -> None:
    text = render_workflow(WorkflowSpec("sample", github_release="true"))
    table = {pin.action: pin for pin in PINS}
    for uses in _uses(text):
        action, _, sha = uses.partition("@")
        assert table[action].sha == sha
    for pin in PINS:
        if pin.action in {u.partition("@")[0] for u in _uses(text)}:
            assert f"uses: {pin.uses}\n" in text  # with its version comment


def test_a_pin_must_be_a_full_commit_sha() -> None:
    with pytest.raises(ValueError, match="not a 40-hex commit SHA"):
        Pin("actions/checkout", "v4", "v4")


def test_the_actions_own_pin_is_a_commit_of_this_repository() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout of py-release-action")
    found = subprocess.run(
        ["git", "cat-file", "-t", ACTION.sha], cwd=REPO, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert found.stdout.strip() == "commit", found.stderr


def test_this_repositorys_release_workflow_is_what_init_writes() -> None:
    written = (REPO / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert written == render_workflow(WorkflowSpec(project_name(REPO))), (
        "run `py-release init --force` in the repository root"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo-org/sample-project.git", ("octo-org", "sample-project")),
        ("https://github.com/octo-org/sample-project", ("octo-org", "sample-project")),
        ("https://github.com/octo-org/sample.project/", ("octo-org", "sample.project")),
        ("https://user@github.com/octo-org/sample-project.git", ("octo-org", "sample-project")),
        ("git@github.com:octo-org/sample-project.git", ("octo-org", "sample-project")),
        ("ssh://git@github.com/octo-org/sample-project.git", ("octo-org", "sample-project")),
        ("ssh://git@github.com:22/octo-org/sample-project", ("octo-org", "sample-project")),
        ("https://gitlab.com/octo-org/sample-project.git", None),
        ("git@bitbucket.org:octo-org/sample-project.git", None),
        ("/srv/git/sample-project.git", None),
        ("https://github.com/octo-org", None),
    ],
)
def test_owner_and_repository_from_the_remote(url: str, expected: tuple[str, str] | None) -> None:
    assert parse_remote(url) == (GitHubRepository(*expected) if expected else None)


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (None, "no pyproject.toml in"),
        ("[project]\nversion = '1'\n", "has no [project] name"),
        ("[project]\ndynamic = ['name']\n", "lists name as dynamic"),
        ("[tool.poetry]\nname = 'x'\n", "has no [project] name"),
        ("[project\nname = 'x'\n", "cannot read"),
    ],
)
def test_project_name_errors_say_how_to_fix_them(
    tmp_path: Path, pyproject: str | None, message: str
) -> None:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    with pytest.raises(ReleaseError, match=re.escape(message)) as raised:
        project_name(tmp_path)
    assert raised.value.hint


# --- the command ------------------------------------------------------------------------------


def _printed(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


def _git_repository(path: Path, remote: str | None) -> None:
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    if remote:
        subprocess.run(["git", "remote", "add", "origin", remote], cwd=path, check=True)


def test_init_writes_the_workflow_and_prints_the_publisher_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_sample(tmp_path)
    _git_repository(project, "git@github.com:octo-org/sample-project.git")

    assert main(["init", "--project-dir", str(project)], environ={}) == 0

    written = (project / ".github" / "workflows" / "release.yml").read_text()
    assert written == render_workflow(WorkflowSpec("py-release-sample"))
    out = _printed(capsys)
    for line in [
        "https://pypi.org/manage/account/publishing/",
        "https://pypi.org/manage/project/py-release-sample/settings/publishing/",
        "https://test.pypi.org/manage/account/publishing/",
        "https://test.pypi.org/manage/project/py-release-sample/settings/publishing/",
        "PyPI Project Name: py-release-sample",
        "Owner:             octo-org",
        "Repository name:   sample-project",
        "Workflow name:     release.yml",
        "Environment name:  pypi",
        "Environment name:  testpypi",
    ]:
        assert line in out
    assert "fill in" not in out


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_sample(tmp_path)
    _git_repository(project, "https://github.com/octo-org/sample-project")
    workflow = project / ".github" / "workflows" / "release.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n")

    assert main(["init", "--project-dir", str(project)], environ={}) == 1
    assert workflow.read_text() == "name: mine\n"
    err = _printed(capsys)
    assert "already exists" in err
    assert "--force" in err

    assert main(["init", "--project-dir", str(project), "--force"], environ={}) == 0
    assert workflow.read_text() == render_workflow(WorkflowSpec("py-release-sample"))


def test_without_a_remote_the_values_are_marked_to_fill_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_sample(tmp_path)
    _git_repository(project, remote=None)

    assert main(["init", "--project-dir", str(project)], environ={}) == 0

    out = _printed(capsys)
    assert "note: no origin, so the owner and repository below are placeholders" in out
    assert "Owner:             <fill in: your GitHub user or organisation>" in out
    assert "Repository name:   <fill in: the repository's name>" in out


def test_a_project_in_a_subfolder_is_built_from_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git_repository(tmp_path, "https://github.com/octo-org/monorepo.git")
    (tmp_path / "packages").mkdir()
    project = copy_sample(tmp_path / "packages")

    assert main(["init", "--project-dir", str(project), "--github-release"], environ={}) == 0

    text = (tmp_path / ".github" / "workflows" / "release.yml").read_text()
    assert text == render_workflow(
        WorkflowSpec("py-release-sample", "packages/sample-project", github_release="true")
    )
    assert "Repository name:   monorepo" in _printed(capsys)


def test_a_branch_that_cannot_be_written_as_is_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_sample(tmp_path)
    assert main(["init", "--project-dir", str(project), "--branch", "it's"], environ={}) == 1
    assert "--branch" in _printed(capsys)
    assert not (project / ".github").exists()


@pytest.mark.parametrize("name", ["release.yml", "tests.yml"])
def test_this_repositorys_workflows_pass_doctor_without_a_warning(name: str) -> None:
    path = REPO / ".github" / "workflows" / name
    findings = audit(path.read_text(encoding="utf-8"), str(path))
    assert [f for f in findings if f.level != "pass"] == []


def test_a_fixed_version_gets_the_testpypi_note_and_a_dynamic_one_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_sample(tmp_path, version="2.0.0")
    _git_repository(project, "https://github.com/octo-org/sample-project")

    assert main(["init", "--project-dir", str(project), "--branch", "rc"], environ={}) == 0
    out = _printed(capsys)
    assert "pyproject.toml fixes version = '2.0.0', so every push to rc" in out
    assert "no-local-version" in out

    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        re.sub(r'(?m)^version = ".*"$', 'dynamic = ["version"]', pyproject.read_text())
    )
    assert main(["init", "--project-dir", str(project), "--force"], environ={}) == 0
    assert "fixes version" not in _printed(capsys)


COMPILED = [
    ("pyproject.toml", '[build-system]\nrequires = ["scikit-build-core"]\n'
     'build-backend = "scikit_build_core.build"\n[project]\nname = "ext"\n', "scikit-build-core"),
    ("pyproject.toml", '[build-system]\nbuild-backend = "mesonpy"\n[project]\nname = "ext"\n',
     "meson-python"),
    ("setup.py", "from setuptools import Extension, setup\nsetup(ext_modules=[Extension('x', "
     "['x.c'])])\n", "setup.py builds extension modules"),
    ("src/ext/_speedups.c", "int x;\n", "compiled sources (src/ext/_speedups.c)"),
    ("Cargo.toml", "[package]\n", "Cargo.toml"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "text", "why"), COMPILED, ids=[c[2] for c in COMPILED])
def test_a_compiled_project_is_told_apart(file: str, text: str, why: str, tmp_path: Path) -> None:
    from py_release.workflow.init_matrix import compiled_reason

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ext"\n')
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_text(text)
    reason = compiled_reason(tmp_path)
    assert reason is not None
    assert why in reason


def test_a_pure_project_is_not_compiled() -> None:
    from py_release.workflow.init_matrix import compiled_reason

    assert compiled_reason(REPO / "examples" / "sample-project") is None


def test_init_writes_the_matrix_for_a_compiled_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from py_release.workflow.init_matrix import render_matrix_workflow

    project = copy_sample(tmp_path)
    (project / "src" / "py_release_sample" / "_speedups.c").write_text("int x;\n")
    _git_repository(project, "git@github.com:octo-org/sample-project.git")

    assert main(["init", "--project-dir", str(project)], environ={}) == 0
    written = (project / ".github" / "workflows" / "release.yml").read_text()
    assert written == render_matrix_workflow(WorkflowSpec("py-release-sample"))
    assert "the project is compiled" in _printed(capsys)

    assert main(["init", "--project-dir", str(project), "--force", "--no-matrix"], environ={}) == 0
    assert (project / ".github" / "workflows" / "release.yml").read_text() == render_workflow(
        WorkflowSpec("py-release-sample")
    )
    assert "which PyPI refuses; --matrix builds every platform" in _printed(capsys)


def test_the_matrix_workflow_passes_doctor_and_builds_nowhere_it_publishes() -> None:
    from py_release.workflow.init_matrix import RUNNERS, render_matrix_workflow

    text = render_matrix_workflow(WorkflowSpec("sample-ext", github_release="true"))
    assert [f for f in audit(text, "release.yml") if f.level != "pass"] == []
    jobs = _jobs(text)
    assert jobs["wheels"]["strategy"]["matrix"]["os"] == list(RUNNERS)
    assert jobs["check"]["needs"] == ["sdist", "wheels"]
    for index in ("testpypi", "pypi"):
        assert jobs[index]["needs"] == "check"
        steps = jobs[index]["steps"]
        assert steps[0]["with"]["merge-multiple"] is True
        assert steps[1]["with"]["build"] is False
    for builder in ("sdist", "wheels", "check"):
        assert "id-token" not in jobs[builder]["permissions"]
