"""The workflow `py-release init` writes, run unmodified by act against the sandbox
(tests/e2e/init_act.py). A release tag must land on the PyPI stand-in only; a push to main on
the TestPyPI stand-in only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.init_act import jobs_that_ran, project_with_init, run_init_workflow
from tests.e2e.sandbox_act import files_on, sandbox_process

pytestmark = pytest.mark.slow

FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}


@dataclass
class Run:
    returncode: int
    log: str
    on_pypi: set[str]  # the files each stand-in holds for the project after the run
    on_testpypi: set[str]


def _act(tmp_path: Path, ref: str, cache: Path) -> Run:
    project, printed = project_with_init(tmp_path)
    assert "Owner:             octo-org" in printed
    assert "Repository name:   sample-project" in printed
    with sandbox_process(tmp_path, ref) as sandbox:
        run = run_init_workflow(project, tmp_path, sandbox, ref, cache)
        return Run(
            run.returncode,
            run.log,
            files_on(sandbox["PY_RELEASE_SANDBOX_PYPI"]),
            files_on(sandbox["PY_RELEASE_SANDBOX_TESTPYPI"]),
        )


def _assert_built_once_and_handed_over(log: str) -> None:
    # The build job's in-action doctor audited the workflow init wrote: nothing to report.
    assert re.search(
        r"^\[release/Build and check *\] +\| \| doctor \| ✅ done \| "
        r"\.github/workflows/release\.yml: every checklist item passes \|$",
        log,
        re.M,
    )
    assert "dry run, nothing uploaded" in log
    # The action runs from its source folder: the packages of its lock were audited, offline,
    # against the PyPI stand-in, which knows every one of them.
    audited = re.search(
        r"\| audit \| ✅ done \| 0 requirement\(s\) of the release and (\d+) package\(s\) of "
        r"py-release: 0 known vulnerabilities \|",
        log,
    )
    assert audited, "no audit row"
    assert int(audited.group(1)) > 50
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
    assert jobs_that_ran(run.log) == {"Build and check", "Publish to PyPI"}
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
    assert jobs_that_ran(run.log) == {"Build and check", "Publish to TestPyPI"}
    _assert_built_once_and_handed_over(run.log)
    assert "index: TestPyPI (sandbox stand-in" in run.log
