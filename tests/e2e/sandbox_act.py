"""A workflow run under act against `py-release sandbox` in its own process, set up from its
--env-file exactly as a user would: the runner's ID-token variables, the PyPI and TestPyPI
stand-ins, and the local Sigstore."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.e2e.test_action_under_act import ACT_TIMEOUT, ActRun, _act_binary
from tests.helpers import REPO, clean_environ
from tests.secrets_registry import assert_no_secrets, register_secret

PROJECT = "py-release-sample"
# Tokens the sandbox makes in its own process: a test cannot register them by value, so it
# looks for their shapes (a JWT, a minted pypi- token) in everything act printed.
TOKEN_SHAPES = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}|pypi-[\w-]{20,}")
ENV_FILE_KEY = "_ENV_FILE"


@contextmanager
def sandbox_process(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`py-release sandbox` for the sample project; yields what it wrote to --env-file (and
    the file itself under ``_ENV_FILE``)."""
    env_file = tmp_path / "sandbox.env"
    log = tmp_path / "sandbox.log"
    with log.open("w") as log_stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "sandbox", "--project", PROJECT,
             "--repository", "octo-org/sample-project", "--workflow", "release.yml",
             "--environment", "pypi", "--env-file", str(env_file)],
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
    repo: Path,
    tmp_path: Path,
    sandbox_env: Mapping[str, str],
    event_name: str,
    event: Mapping[str, object],
    cache: Path,
) -> ActRun:
    """act (host mode) on ``event`` with the sandbox's --env-file; the step outputs the
    workflow writes to $RESULTS come back in ``outputs``."""
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    results = tmp_path / "results.env"
    environ = clean_environ()
    # uv from the test environment makes the bootstrap fast; the pip path is tested elsewhere.
    environ["PATH"] = f"{Path(sys.executable).parent}:{environ.get('PATH', '')}"
    command = [
        _act_binary(), event_name, "-e", str(event_file), "-W", ".github/workflows/release.yml",
        "-P", "ubuntu-latest=-self-hosted",
        "--env-file", sandbox_env[ENV_FILE_KEY],
        "--env", f"SRC={repo}", "--env", f"RESULTS={results}",
        "--env", f"PY_RELEASE_CACHE={cache}",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=repo, env=environ, capture_output=True, text=True, timeout=ACT_TIMEOUT,
        check=False,
    )  # fmt: skip
    outputs: dict[str, str] = {}
    if results.exists():
        for line in results.read_text().splitlines():
            name, _, value = line.partition("=")
            outputs[name.removeprefix("OUT_").lower()] = value
    run = ActRun(result.returncode, result.stdout + result.stderr, outputs)
    assert_no_secrets(run.log, results)
    assert TOKEN_SHAPES.search(run.log) is None, "an ID token or minted token reached act's log"
    return run


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
