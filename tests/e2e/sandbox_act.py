"""A workflow run under act against `py-release sandbox` in its own process, set up from its
--env-file exactly as a user would: the runner's ID-token variables, the PyPI and TestPyPI
stand-ins, the local Sigstore and GitHub's API; and from its --secret-file the job token."""

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
SECRET_FILE_KEY = "_SECRET_FILE"


def _key_values(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@contextmanager
def sandbox_process(
    tmp_path: Path, ref: str | None = None, project: str = PROJECT
) -> Iterator[dict[str, str]]:
    """`py-release sandbox` for ``project`` (the sample's by default), its tokens naming
    ``ref`` (the sandbox's default tag when None); yields what it wrote to --env-file and
    --secret-file (and the files themselves under ``_ENV_FILE`` and ``_SECRET_FILE``)."""
    env_file = tmp_path / "sandbox.env"
    secret_file = tmp_path / "sandbox.secrets"
    log = tmp_path / "sandbox.log"
    ref_option = ["--ref", ref] if ref else []
    with log.open("w") as log_stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "sandbox", "--project", project,
             "--repository", "octo-org/sample-project", "--workflow", "release.yml",
             "--environment", "pypi", *ref_option, "--env-file", str(env_file),
             "--secret-file", str(secret_file)],
            cwd=REPO, env=clean_environ(), stdout=log_stream, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not env_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert env_file.exists(), log.read_text()
        time.sleep(0.2)  # the file is written in one call; let it land
        # The secret file is written before the env file.
        values = _key_values(env_file) | _key_values(secret_file)
        register_secret(values["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
        register_secret(values["GITHUB_TOKEN"])
        values[ENV_FILE_KEY] = str(env_file)
        values[SECRET_FILE_KEY] = str(secret_file)
        yield values
    finally:
        process.terminate()
        process.wait(timeout=10)
    printed = log.read_text()
    assert "--env ACTIONS_ID_TOKEN_REQUEST_URL=" in printed
    # The job token goes to act through the secret file only, never the sandbox's output.
    assert f"--secret-file {secret_file}" in printed
    assert values["GITHUB_TOKEN"] not in printed


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


def files_on(upload_url: str, project: str = PROJECT) -> set[str]:
    """The files of ``project`` (the sample's by default) a stand-in lists (empty when it has
    no such project)."""
    simple = upload_url.replace("/legacy/", "/simple/")
    response = requests.get(
        f"{simple}{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    )
    if response.status_code == 404:
        return set()
    response.raise_for_status()
    return {f["filename"] for f in response.json()["files"]}
