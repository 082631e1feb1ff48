"""`py-release doctor`: each checklist item on a good and a bad workflow, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_release.cli import main
from py_release.errors import ReleaseError
from py_release.workflow.doctor import CHECKS, audit

HERE = Path(__file__).parent
WORKFLOWS = HERE / "workflows"
E2E_WORKFLOWS = HERE.parent / "e2e" / "workflows"

EXPECTED = {
    "bad-trigger.yml": {("trigger", "fail")},
    "bad-permissions.yml": {("permissions", "fail")},
    "bad-write-all.yml": {("permissions", "fail")},
    "bad-environment.yml": {("environment", "fail")},
    "bad-persist-credentials.yml": {("persist-credentials", "fail")},
    "bad-pinned-actions.yml": {("pinned-actions", "warn")},
    "bad-metadata-check.yml": {("metadata-check", "warn")},
    "bad-separate-indexes.yml": {("separate-indexes", "fail")},
    "bad-untrusted-triggers.yml": {("untrusted-triggers", "fail")},
    "bad-token-secrets.yml": {("token-secrets", "warn")},
    "bad-github-release.yml": {("github-release", "fail")},
    "bad-build-isolation.yml": {("build-isolation", "warn")},
    "bad-testpypi-first.yml": {("testpypi-first", "warn")},
    "bad-attestations.yml": {("attestations", "warn")},
    "bad-github-script-release.yml": {("github-release", "fail")},
    "bad-id-token.yml": {("id-token", "fail")},
}
GOOD = ["good.yml", "good-twine.yml"]


def _audit(name: str) -> set[tuple[str, str]]:
    path = WORKFLOWS / name
    findings = audit(path.read_text(encoding="utf-8"), str(path))
    assert {f.check for f in findings} == {name for name, _ in CHECKS}, "every item reported"
    for finding in findings:
        assert finding.level == "pass" or finding.fix, finding
    return {(f.check, f.level) for f in findings if f.level != "pass"}


def test_every_bad_workflow_is_in_the_table() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("bad-*.yml")) == sorted(EXPECTED)
    assert {check for expected in EXPECTED.values() for check, _ in expected} == {
        name for name, _ in CHECKS
    }


@pytest.mark.parametrize("name", GOOD)
def test_good_workflow_passes_every_check(name: str) -> None:
    assert _audit(name) == set()


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_bad_workflow_fails_exactly_its_check(name: str, expected: set[tuple[str, str]]) -> None:
    assert _audit(name) == expected


def _one(text: str) -> set[tuple[str, str]]:
    return {(f.check, f.level) for f in audit(text, "inline.yml") if f.level != "pass"}


PUBLISH_JOB = """
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
      - run: twine check dist/* && twine upload dist/*
"""


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("on: push", {("trigger", "fail")}),
        ("on: [push, workflow_dispatch]", {("trigger", "fail")}),
        ("on:\n  push:\n    paths: [src/**]", {("trigger", "fail")}),
        ("on:\n  push:\n    tags: ['v*']", set()),
        ("on:\n  release:\n    types: [published]", set()),
        ("on: pull_request", {("trigger", "warn")}),
        ("on: pull_request_target", {("untrusted-triggers", "fail")}),
        ("'on': workflow_run", {("untrusted-triggers", "fail")}),
    ],
)
def test_triggers_reaching_a_pypi_job(on: str, expected: set[tuple[str, str]]) -> None:
    assert _one(on + PUBLISH_JOB) == expected


def test_a_dry_run_of_the_action_does_not_publish() -> None:
    text = """
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: ./
        with:
          dry-run: true
"""
    assert _one(text) == set()
    assert _one(text.replace("dry-run: true", "dry-run: false")) == {
        ("trigger", "fail"),
        ("environment", "fail"),
        ("build-isolation", "warn"),
        ("id-token", "fail"),
    }


def test_a_tag_condition_on_a_needed_job_protects_the_publishing_job() -> None:
    text = """
on: push
permissions: {}
jobs:
  gate:
    if: github.ref_type == 'tag'
    runs-on: ubuntu-latest
    steps: [{run: "true"}]
  publish:
    needs: gate
    runs-on: ubuntu-latest
    environment: pypi
    steps:
      - run: py-release publish
"""
    assert _one(text) == set()
    assert _one(text.replace("    needs: gate\n", "    needs: gate\n    if: always()\n")) == {
        ("trigger", "fail")
    }


def test_one_job_publishing_to_both_indexes() -> None:
    text = "on: release" + PUBLISH_JOB
    text += "      - run: twine upload --repository testpypi dist/*\n"
    assert _one(text) == {("separate-indexes", "fail")}


def test_one_job_routed_by_repository_auto_is_a_warning() -> None:
    text = """on:
  push:
    tags: ["v*"]
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
      - uses: org/py-release-action@0123456789abcdef0123456789abcdef01234567
        with:
          repository: auto
"""
    assert _one(text) == {("separate-indexes", "warn"), ("build-isolation", "warn")}


def test_token_in_twine_environment() -> None:
    text = (
        "on: release"
        + PUBLISH_JOB
        + "        env:\n          TWINE_PASSWORD: ${{ secrets.TOKEN }}\n"
    )
    findings = [f for f in audit(text, "inline.yml") if f.level != "pass"]
    assert [(f.check, f.level) for f in findings] == [("token-secrets", "warn")]
    assert "secrets.TOKEN" in findings[0].message


def test_the_github_release_fixture_points_at_the_releasing_step() -> None:
    path = WORKFLOWS / "bad-github-release.yml"
    text = path.read_text(encoding="utf-8")
    [finding] = [f for f in audit(text, str(path)) if f.level != "pass"]
    assert finding.message.startswith("job 'pypi' makes a GitHub Release without `contents: write`")
    assert "403" in finding.message
    assert finding.fix.startswith("add `contents: write` to the job's permissions")
    assert finding.line is not None
    assert text.splitlines()[finding.line - 1].strip() == (
        "- uses: org/py-release-action@0123456789abcdef0123456789abcdef01234567 # v1"
    )
    # The PyPI job's step, not the build job's dry run with the same input.
    assert finding.line > text.splitlines().index("  pypi:")


RELEASE_JOB = """on:
  push:
    tags: ["v*"]
{top}
jobs:
  pypi:
    runs-on: ubuntu-latest
    environment: pypi
{job}    steps:
      - uses: org/py-release-action@0123456789abcdef0123456789abcdef01234567
        with:
          build: false
{with_}"""
ID_TOKEN = "    permissions:\n      id-token: write\n"
CONTENTS = "    permissions:\n      id-token: write\n      contents: write\n"


@pytest.mark.parametrize(
    ("top", "job", "with_", "expected"),
    [
        ("permissions: {}", CONTENTS, "github-release: true", set()),
        ("permissions: {}", CONTENTS, "github-release: draft", set()),
        ("permissions: {}", ID_TOKEN, "github-release: draft", {("github-release", "fail")}),
        ("permissions: {}", ID_TOKEN, "github-release: yes", {("github-release", "fail")}),
        ("permissions: {}", ID_TOKEN, "github-release: false", set()),
        ("permissions: {}", ID_TOKEN, "repository: pypi", set()),
        # Not the job's token: its permissions are not the job's to grant.
        ("permissions: {}", ID_TOKEN,
         "github-release: true\n          github-token: ${{ secrets.RELEASE_TOKEN }}", set()),
        ("permissions: {}", ID_TOKEN,
         "github-release: true\n          github-token: ${{ github.token }}",
         {("github-release", "fail")}),
        # A dry run makes no release.
        ("permissions: {}", "", "github-release: true\n          dry-run: true", set()),
        ("permissions: {}", ID_TOKEN, "github-release: ${{ inputs.release }}",
         {("github-release", "warn")}),
        # The job's own permissions replace the workflow's.
        ("permissions:\n  contents: write", ID_TOKEN, "github-release: true",
         {("github-release", "fail")}),
        # ... and without `id-token: write`, no Trusted Publishing either.
        ("permissions:\n  contents: write", "", "github-release: true", {("id-token", "fail")}),
        ("permissions: {}", "    permissions: write-all\n", "github-release: true",
         {("permissions", "fail")}),
        ("permissions: read-all", "", "github-release: true",
         {("github-release", "fail"), ("id-token", "fail")}),
        # Neither sets any: the repository's default, read-only in new repositories.
        ("", "", "github-release: true",
         {("permissions", "warn"), ("github-release", "warn"), ("id-token", "fail")}),
    ],
)  # fmt: skip
def test_a_github_release_needs_contents_write(
    top: str, job: str, with_: str, expected: set[tuple[str, str]]
) -> None:
    text = RELEASE_JOB.format(top=top, job=job, with_=f"          {with_}\n")
    assert _one(text) == expected


def test_a_private_index_password_is_not_a_trusted_publishing_candidate() -> None:
    path = E2E_WORKFLOWS / "release.yml"
    checks = {
        f.check for f in audit(path.read_text(encoding="utf-8"), str(path)) if f.level != "pass"
    }
    assert "token-secrets" not in checks


@pytest.mark.parametrize("path", sorted(E2E_WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_e2e_workflows_audit_without_crashing(path: Path) -> None:
    findings = audit(path.read_text(encoding="utf-8"), str(path))
    assert {f.check for f in findings} == {name for name, _ in CHECKS}


def test_invalid_yaml_names_the_file() -> None:
    with pytest.raises(ReleaseError, match=r"broken\.yml is not valid YAML"):
        audit("on: [push\njobs: {", "broken.yml")
    with pytest.raises(ReleaseError, match=r"list\.yml is not a GitHub workflow"):
        audit("- a\n- b\n", "list.yml")


def test_cli_good_workflow_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", str(WORKFLOWS / "good.yml")], environ={}) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "PASS  trigger: " in text
    assert "FAIL" not in text


def test_cli_warnings_exit_0_and_print_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", str(WORKFLOWS / "bad-pinned-actions.yml")], environ={}) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "WARN  pinned-actions: `actions/upload-artifact@v4`" in text
    assert "  fix: pin it as `actions/upload-artifact@<40-hex commit SHA>" in text


def test_cli_failure_exits_1_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    bad = WORKFLOWS / "bad-trigger.yml"
    assert main(["doctor", str(WORKFLOWS / "good.yml"), str(bad)], environ={}) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "FAIL  trigger: job 'pypi' publishes to PyPI on every push to a branch" in text
    assert "  fix: publish to PyPI only from release tags" in text
    assert "error: 1 release security check(s) failed" in text
    assert f"{bad}: trigger:" in text
    assert "hint: apply the fix printed under each FAIL line" in text


def test_cli_defaults_to_the_repositorys_workflows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["doctor"], environ={}) == 1
    assert "no workflow files in .github/workflows" in capsys.readouterr().err
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "release.yaml").write_text((WORKFLOWS / "good.yml").read_text())
    (folder / "ci.yml").write_text((WORKFLOWS / "bad-environment.yml").read_text())
    assert main(["doctor"], environ={}) == 1
    err = capsys.readouterr().err
    assert "release.yaml" in err
    assert "FAIL  environment:" in err


def test_cli_invalid_yaml_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("jobs: [\n")
    assert main(["doctor", str(broken)], environ={}) == 1
    assert f"{broken} is not valid YAML" in capsys.readouterr().err


PUBLISHING_STEPS = """on:
  push:
    tags: ["v*"]
permissions: {{}}
jobs:
  pypi:
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
{steps}"""
OUR_ACTION = "      - uses: org/py-release-action@0123456789abcdef0123456789abcdef01234567\n"
DOWNLOAD = (
    "      - uses: actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16\n"
    "        with: {name: dist, path: dist/}\n"
)
BUILT = {("build-isolation", "warn")}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (OUR_ACTION, BUILT),  # build: auto with nothing downloaded builds
        (DOWNLOAD + OUR_ACTION, set()),
        (OUR_ACTION + "        with: {build: false}\n", set()),
        (DOWNLOAD + OUR_ACTION + "        with: {build: sdist}\n", BUILT),
        ("      - run: python -m build\n      - run: twine upload dist/*\n", BUILT),
        ("      - run: uv build\n      - run: uv publish\n", BUILT),
        ("      - uses: hynek/build-and-inspect-python-package@v2\n" + OUR_ACTION, BUILT),
        (DOWNLOAD + "      - run: uv publish --trusted-publishing always\n", set()),
    ],
)  # fmt: skip
def test_a_publishing_job_that_builds_is_warned(steps: str, expected: set[tuple[str, str]]) -> None:
    found = _one(PUBLISHING_STEPS.format(steps=steps))
    assert {f for f in found if f[0] == "build-isolation"} == expected


def test_a_yaml_bomb_is_not_audited() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 120)]
    text = "on: push\n" + "\n".join(lines) + "\njobs: {}\n"
    with pytest.raises(ReleaseError) as caught:
        audit(text, "bomb.yml")
    assert "aliases" in caught.value.message


def test_a_workflow_path_that_is_a_device_is_not_read(tmp_path: Path) -> None:
    from py_release.workflow.doctor import read_workflow

    with pytest.raises(OSError, match="not a regular file"):
        read_workflow(Path("/dev/zero"))
    big = tmp_path / "big.yml"
    big.write_text("#" * (1024 * 1024 + 1))
    with pytest.raises(OSError, match="larger than"):
        read_workflow(big)


RELEASE_STEP_JOB = """
on:
  push:
    tags: ["v*"]
permissions: {{}}
jobs:
  release:
    runs-on: ubuntu-latest
{job}    steps:
{step}"""


@pytest.mark.parametrize(
    ("job", "step", "expected"),
    [
        # Whatever step makes the release, the job's token needs contents: write.
        ("", "      - run: gh release create \"$GITHUB_REF_NAME\" dist/*\n"
             "        env:\n          GH_TOKEN: ${{ github.token }}\n",
         {("github-release", "fail")}),
        (CONTENTS, "      - run: gh release upload v1 dist/*\n", set()),
        ("", "      - uses: softprops/action-gh-release@c062e08bd532815e2082a85e87e3ef29c3e6d191\n",
         {("github-release", "fail")}),
        # A token of its own: not the job's permissions.
        ("", "      - uses: softprops/action-gh-release@c062e08bd532815e2082a85e87e3ef29c3e6d191\n"
             "        with:\n          token: ${{ secrets.RELEASE_PAT }}\n", set()),
        # A github-script that only reads makes no release.
        ("", "      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea\n"
             "        with:\n          script: console.log(context.ref)\n", set()),
        ("", "      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea\n"
             "        with:\n          script: |\n"
             "            await github.request('POST /repos/{owner}/{repo}/releases', {})\n",
         {("github-release", "fail")}),
    ],
)  # fmt: skip
def test_a_release_made_by_any_step_needs_contents_write(
    job: str, step: str, expected: set[tuple[str, str]]
) -> None:
    assert _one(RELEASE_STEP_JOB.format(job=job, step=step)) == expected


def test_a_pypi_job_waiting_for_testpypi_through_another_job_is_in_order() -> None:
    text = (WORKFLOWS / "good.yml").read_text(encoding="utf-8")
    chained = text.replace(
        "\n  pypi:\n    needs: [build, testpypi]\n",
        "\n  smoke:\n    needs: testpypi\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: pip install --index-url https://test.pypi.org/simple/ sample\n"
        "\n  pypi:\n    needs: [build, smoke]\n",
    )
    assert "smoke" in chained
    assert _one(chained) == set()


def test_the_testpypi_first_fix_names_the_jobs() -> None:
    text = (WORKFLOWS / "bad-testpypi-first.yml").read_text(encoding="utf-8")
    (finding,) = [f for f in audit(text, "x.yml") if f.check == "testpypi-first"]
    assert "`needs: [build, testpypi]`" in finding.fix
    assert finding.line is not None


def test_testpypi_on_branches_and_pypi_on_tags_never_run_in_parallel() -> None:
    text = (WORKFLOWS / "bad-testpypi-first.yml").read_text(encoding="utf-8")
    exclusive = text.replace(
        "\n  testpypi:\n    needs: build\n",
        "\n  testpypi:\n    needs: build\n    if: github.ref == 'refs/heads/main'\n",
    )
    assert exclusive != text
    assert _one(exclusive) == set()


def test_cli_lists_what_only_the_settings_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "My_Sample"\n')
    assert main(["doctor", str(WORKFLOWS / "good.yml")], environ={}) == 0
    captured = capsys.readouterr()
    listed = (captured.out + captured.err).split(
        "CHECK BY HAND (only the settings show these):\n", 1
    )[1]
    # No git remote here: the repository is a placeholder, the project comes from pyproject.
    assert "https://github.com/OWNER/REPO/settings/environments" in listed
    assert "environment `pypi` (PyPI) has required reviewers" in listed
    assert "https://github.com/OWNER/REPO/settings/rules" in listed
    assert "https://pypi.org/manage/project/my-sample/settings/publishing/" in listed
    assert "https://test.pypi.org/manage/project/my-sample/settings/publishing/" in listed


@pytest.mark.parametrize(
    ("run", "env", "expected"),
    [
        ("uv publish", "", {("id-token", "fail")}),
        ("uv publish --trusted-publishing always", "", {("id-token", "fail")}),
        # A token: no ID token needed (token-secrets says to prefer Trusted Publishing).
        ('uv publish --token "$TOKEN"', "", set()),
        ("uv publish", "        env:\n          UV_PUBLISH_TOKEN: ${{ secrets.TOKEN }}\n", set()),
        ("twine upload dist/*", "", set()),
    ],
)
def test_trusted_publishing_by_any_step_needs_id_token(
    run: str, env: str, expected: set[tuple[str, str]]
) -> None:
    text = PUBLISH_JOB.replace("    permissions:\n      id-token: write\n", "").replace(
        "      - run: twine check dist/* && twine upload dist/*\n",
        f"      - run: twine check dist/*\n      - run: {run}\n{env}",
    )
    assert text != PUBLISH_JOB
    assert _one(text) - {("token-secrets", "warn")} == expected
