"""The workflow `py-release init` writes, run unmodified by act against the sandbox.

The sample project becomes a git repository with a github.com origin; `py-release init` writes
its release workflow. act runs that file as it is: `--local-repository` puts small composite
stand-ins (tests/e2e/standins/) in place of the pinned actions/checkout, upload-artifact and
download-artifact, and this checkout's action files in place of the pinned
org/py-release-action. `py-release sandbox` supplies the ID token, the two stand-in warehouses
the action routes PyPI and TestPyPI to, and the local Sigstore. A release tag must land on the
PyPI stand-in only; a push to main on the TestPyPI stand-in only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT
from tests.e2e.act import GIT, commit_all, copy_action, git_init, run_act
from tests.e2e.sandbox_act import ENV_FILE_KEY, files_on, sandbox_process
from tests.helpers import clean_environ, copy_sample

pytestmark = pytest.mark.slow

STANDINS = Path(__file__).parent / "standins"
FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}


@dataclass
class Run:
    returncode: int
    log: str
    on_pypi: set[str]  # the files each stand-in holds for the project after the run
    on_testpypi: set[str]


def _project_with_init(tmp_path: Path) -> tuple[Path, str]:
    """The sample as a git repository on main with a github.com origin, its workflow written
    by `py-release init` (run as a user runs it) and committed; and what init printed."""
    project = copy_sample(tmp_path, version="1.0.0")
    git_init(project)
    subprocess.run(
        [*GIT, "remote", "add", "origin", "https://github.com/octo-org/sample-project.git"],
        cwd=project, check=True,
    )  # fmt: skip
    init = subprocess.run(
        [sys.executable, "-m", "py_release", "init"],
        cwd=project, env=clean_environ(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    commit_all(project, "release workflow from py-release init")
    return project, init.stdout + init.stderr


def _act(tmp_path: Path, ref: str, cache: Path) -> Run:
    project, printed = _project_with_init(tmp_path)
    assert "Owner:             octo-org" in printed
    assert "Repository name:   sample-project" in printed
    # This checkout's action stands in for org/py-release-action at the pinned commit.
    action = copy_action(tmp_path / "py-release-action")
    replaced = [
        (CHECKOUT, STANDINS / "checkout"),
        (UPLOAD_ARTIFACT, STANDINS / "upload-artifact"),
        (DOWNLOAD_ARTIFACT, STANDINS / "download-artifact"),
        (ACTION, action),
    ]
    with sandbox_process(tmp_path, ref) as sandbox:
        args = [
            "--no-skip-checkout",
            "--env-file", sandbox[ENV_FILE_KEY],
            "--env", f"STANDIN_CHECKOUT_FROM={project}",
            "--env", f"STANDIN_ARTIFACTS={tmp_path / 'artifacts'}",
        ]  # fmt: skip
        for pin, folder in replaced:
            args += ["--local-repository", f"{pin.action}@{pin.sha}={folder}"]
        run = run_act(project, tmp_path, "push", {"ref": ref}, cache=cache, args=args)
        return Run(
            run.returncode,
            run.log,
            files_on(sandbox["PY_RELEASE_SANDBOX_PYPI"]),
            files_on(sandbox["PY_RELEASE_SANDBOX_TESTPYPI"]),
        )


def _jobs_that_ran(log: str) -> set[str]:
    """The jobs act ran to success (a job skipped by its `if:` prints nothing)."""
    return set(re.findall(r"^\[release/([^\]]+?) *\] 🏁  Job succeeded$", log, re.M))


def _assert_built_once_and_handed_over(log: str) -> None:
    # The build job's in-action doctor audited the workflow init wrote: nothing to report.
    assert re.search(
        r"^\[release/Build and check *\] +\| \| audit \| ✅ done \| "
        r"\.github/workflows/release\.yml: every checklist item passes \|$",
        log,
        re.M,
    )
    assert "dry run, nothing uploaded" in log
    assert log.count("stand-in upload-artifact: distributions <- ") == 1
    assert "stand-in download-artifact: distributions -> dist/: py_release_sample" in log
    # The publishing job used the files it was handed, built nothing, and authenticated with
    # the job's ID token.
    assert (
        "using ready files from dist: py_release_sample-1.0.0-py3-none-any.whl, "
        "py_release_sample-1.0.0.tar.gz" in log
    )
    assert "Trusted Publishing: exchanged the job's ID token" in log


def test_a_release_tag_publishes_the_checked_files_to_pypi_only(
    tmp_path: Path, bootstrap_cache: Path
) -> None:
    run = _act(tmp_path, "refs/tags/v1.0.0", bootstrap_cache)

    assert run.returncode == 0, run.log[-8000:]
    assert run.on_pypi == FILES
    assert run.on_testpypi == set()
    assert _jobs_that_ran(run.log) == {"Build and check", "Publish to PyPI"}
    _assert_built_once_and_handed_over(run.log)
    assert "index: PyPI (sandbox stand-in" in run.log
    assert "2 attestations signed" in run.log


def test_a_push_to_main_publishes_the_checked_files_to_testpypi_only(
    tmp_path: Path, bootstrap_cache: Path
) -> None:
    run = _act(tmp_path, "refs/heads/main", bootstrap_cache)

    assert run.returncode == 0, run.log[-8000:]
    assert run.on_testpypi == FILES
    assert run.on_pypi == set()
    assert _jobs_that_ran(run.log) == {"Build and check", "Publish to TestPyPI"}
    _assert_built_once_and_handed_over(run.log)
    assert "index: TestPyPI (sandbox stand-in" in run.log
