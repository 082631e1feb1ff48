"""`py-release init` on a compiled project (markupsafe 3.0.4's sdist, as a checkout) writes the
cibuildwheel matrix; act runs that file unmodified against the sandbox on a release tag. The
sdist job builds the sdist with the action; cibuildwheel's stand-in hands each matrix job the
real platform wheels PyPI serves for that release (manylinux, musllinux, macOS, Windows); the
check job checks them together; the PyPI job publishes the merged artifacts with Trusted
Publishing and attestations."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from py_release.workflow.init_matrix import RUNNERS
from py_release.workflow.pins import CIBUILDWHEEL
from tests.corpus.test_real_releases import RELEASES, _fetch
from tests.e2e.init_act import TEST_STANDINS, init_in, jobs_that_ran, run_init_workflow
from tests.e2e.sandbox_act import files_on, sandbox_process

pytestmark = pytest.mark.slow

PROJECT, VERSION = "markupsafe", "3.0.4"


def _release_files() -> list[Path]:
    (release,) = [r for r in RELEASES if r["project"] == PROJECT and r["version"] == VERSION]
    return [_fetch(file) for file in release["files"]]


def _compiled_checkout(tmp_path: Path, sdist: Path) -> tuple[Path, str]:
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (project,) = (tmp_path / "src").iterdir()
    return project, init_in(project)


def test_the_matrix_workflow_publishes_real_platform_wheels(
    tmp_path: Path, bootstrap_cache: Path
) -> None:
    files = _release_files()
    sdist = next(f for f in files if f.name.endswith(".tar.gz"))
    wheels = sorted(f for f in files if f.name.endswith(".whl"))
    project, printed = _compiled_checkout(tmp_path, sdist)
    assert "the project is compiled" in printed
    assert "cibuildwheel" in (project / ".github" / "workflows" / "release.yml").read_text()
    # One matrix job per runner, each handed one of the wheels PyPI serves.
    ready = tmp_path / "wheels"
    for number, wheel in enumerate(wheels):
        (ready / str(number)).mkdir(parents=True)
        (ready / str(number) / wheel.name).write_bytes(wheel.read_bytes())
    assert len(wheels) == len(RUNNERS)
    labels = [arg for runner in RUNNERS for arg in ("-P", f"{runner}=-self-hosted")]

    with sandbox_process(tmp_path, f"refs/tags/v{VERSION}", project=PROJECT) as sandbox:
        run = run_init_workflow(
            project, tmp_path / "work", sandbox, f"refs/tags/v{VERSION}", bootstrap_cache,
            more_standins=[(CIBUILDWHEEL, TEST_STANDINS / "cibuildwheel")],
            more_args=[*labels, "--env", f"STANDIN_WHEELS={ready}"],
        )  # fmt: skip
        on_pypi = files_on(sandbox["PY_RELEASE_SANDBOX_PYPI"], PROJECT)
        on_testpypi = files_on(sandbox["PY_RELEASE_SANDBOX_TESTPYPI"], PROJECT)

    assert run.returncode == 0, run.log[-8000:]
    assert on_pypi == {sdist.name, *(w.name for w in wheels)}
    assert on_testpypi == set()
    ran = jobs_that_ran(run.log)
    assert {"Build and check the sdist", "Check every file together", "Publish to PyPI"} <= ran
    assert sum(1 for job in ran if job.startswith("Build wheels on")) == len(RUNNERS)
    assert f"{len(wheels) + 1} attestations signed" in run.log
    assert "linux_x86_64" not in run.log.split("Check every file together", 1)[-1]
