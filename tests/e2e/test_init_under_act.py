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

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT
from tests.e2e.sandbox_act import PROJECT, TOKEN_SHAPES, files_on
from tests.e2e.test_action_under_act import ACT_TIMEOUT, ACTION_FILES, _act_binary
from tests.helpers import REPO, clean_environ, copy_sample
from tests.secrets_registry import assert_no_secrets, register_secret

pytestmark = pytest.mark.slow

STANDINS = Path(__file__).parent / "standins"
FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}
GIT = ["git", "-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e"]


@dataclass
class Run:
    returncode: int
    log: str
    on_pypi: set[str]  # the files each stand-in holds for the project after the run
    on_testpypi: set[str]


@contextmanager
def _sandbox(tmp_path: Path, ref: str) -> Iterator[dict[str, str]]:
    """`py-release sandbox` in its own process, as a user starts it; yields its --env-file."""
    env_file = tmp_path / "sandbox.env"
    log = tmp_path / "sandbox.log"
    with log.open("w") as log_stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "sandbox", "--project", PROJECT,
             "--repository", "octo-org/sample-project", "--workflow", "release.yml",
             "--environment", "pypi", "--ref", ref, "--env-file", str(env_file)],
            cwd=REPO, env=clean_environ(), stdout=log_stream, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not env_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert env_file.exists(), log.read_text()
        time.sleep(0.2)  # the file is written in one call; let it land
        values = dict(
            line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
        )
        register_secret(values["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
        values["_ENV_FILE"] = str(env_file)
        yield values
    finally:
        process.terminate()
        process.wait(timeout=10)


def _project_with_init(tmp_path: Path) -> tuple[Path, str]:
    """The sample as a git repository on main with a github.com origin, its workflow written
    by `py-release init` (run as a user runs it) and committed; and what init printed."""
    project = copy_sample(tmp_path, version="1.0.0")
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(
        [*GIT, "remote", "add", "origin", "https://github.com/octo-org/sample-project.git"],
        cwd=project, check=True,
    )  # fmt: skip
    init = subprocess.run(
        [sys.executable, "-m", "py_release", "init"],
        cwd=project, env=clean_environ(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", "release workflow from py-release init"],
                   cwd=project, check=True)  # fmt: skip
    return project, init.stdout + init.stderr


def _action_copy(tmp_path: Path) -> Path:
    """This checkout's action, standing in for org/py-release-action at the pinned commit."""
    action = tmp_path / "py-release-action"
    action.mkdir()
    for name in ACTION_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, action / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, action / name)
    return action


def _act(tmp_path: Path, ref: str, cache: Path) -> Run:
    project, printed = _project_with_init(tmp_path)
    assert "Owner:             octo-org" in printed
    assert "Repository name:   sample-project" in printed
    action = _action_copy(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": ref}))
    environ = clean_environ()
    # uv from the test environment makes the bootstrap fast; the pip path is tested elsewhere.
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    replaced = [
        (CHECKOUT, STANDINS / "checkout"),
        (UPLOAD_ARTIFACT, STANDINS / "upload-artifact"),
        (DOWNLOAD_ARTIFACT, STANDINS / "download-artifact"),
        (ACTION, action),
    ]
    with _sandbox(tmp_path, ref) as sandbox:
        command = [
            _act_binary(), "push", "-e", str(event), "-W", ".github/workflows/release.yml",
            "-P", "ubuntu-latest=-self-hosted", "--no-skip-checkout",
            "--env-file", sandbox["_ENV_FILE"],
            "--env", f"STANDIN_CHECKOUT_FROM={project}",
            "--env", f"STANDIN_ARTIFACTS={tmp_path / 'artifacts'}",
            "--env", f"PY_RELEASE_CACHE={cache}",
        ]  # fmt: skip
        for pin, folder in replaced:
            command += ["--local-repository", f"{pin.action}@{pin.sha}={folder}"]
        result = subprocess.run(
            command, cwd=project, env=environ, capture_output=True, text=True,
            timeout=ACT_TIMEOUT, check=False,
        )  # fmt: skip
        log = result.stdout + result.stderr
        assert_no_secrets(log)
        assert TOKEN_SHAPES.search(log) is None, "an ID token or minted token reached act's log"
        return Run(
            result.returncode,
            log,
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
