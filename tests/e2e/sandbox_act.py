"""A workflow run under act against `py-release sandbox` in its own process, set up from its
--env-file exactly as a user would: the runner's ID-token variables, the PyPI and TestPyPI
stand-ins, and the local Sigstore."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.e2e.act import ActRun, make_repository, run_act
from tests.helpers import REPO, clean_environ
from tests.secrets_registry import register_secret

PROJECT = "py-release-sample"
ENV_FILE_KEY = "_ENV_FILE"


@contextmanager
def sandbox_process(tmp_path: Path, ref: str | None = None) -> Iterator[dict[str, str]]:
    """`py-release sandbox` for the sample project, its tokens naming ``ref`` (the sandbox's
    default tag when None); yields what it wrote to --env-file (and the file itself under
    ``_ENV_FILE``)."""
    env_file = tmp_path / "sandbox.env"
    log = tmp_path / "sandbox.log"
    ref_option = ["--ref", ref] if ref else []
    with log.open("w") as log_stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "sandbox", "--project", PROJECT,
             "--repository", "octo-org/sample-project", "--workflow", "release.yml",
             "--environment", "pypi", *ref_option, "--env-file", str(env_file)],
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
        values[ENV_FILE_KEY] = str(env_file)
        yield values
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "--env ACTIONS_ID_TOKEN_REQUEST_URL=" in log.read_text()


def run_act_in_sandbox(
    tmp_path: Path,
    workflow: Path,
    sandbox_env: Mapping[str, str],
    event_name: str,
    event: Mapping[str, object],
    cache: Path,
) -> ActRun:
    """``workflow`` in a repository with the action and the sample project at 1.0.0, run by
    act on ``event`` with the sandbox's --env-file."""
    repo = make_repository(tmp_path, workflow, version="1.0.0")
    return run_act(
        repo, tmp_path, event_name, event, cache=cache,
        args=["--env-file", sandbox_env[ENV_FILE_KEY], "--env", f"SRC={repo}"],
    )  # fmt: skip


def files_on(upload_url: str) -> set[str]:
    """The sample project's files a stand-in lists (empty when it has no such project)."""
    simple = upload_url.replace("/legacy/", "/simple/")
    response = requests.get(
        f"{simple}{PROJECT}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    )
    if response.status_code == 404:
        return set()
    response.raise_for_status()
    return {f["filename"] for f in response.json()["files"]}
