"""Trusted Publishing and PEP 740 end to end under act: the real action.yml with
`id-token: write`, its ID-token variables, index and Sigstore from `py-release sandbox
--env-file`, exactly as a user would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.test_action_under_act import ACT_TIMEOUT, _act_binary, make_repository
from tests.helpers import REPO, clean_environ
from tests.secrets_registry import assert_no_secrets, register_secret

pytestmark = pytest.mark.slow

WORKFLOW = Path(__file__).parent / "workflows" / "release-trusted.yml"
# Tokens the sandbox makes in its own process: the test cannot register them by value, so it
# looks for their shapes (a JWT, a minted pypi- token) in everything act printed.
TOKEN_SHAPES = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}|pypi-[\w-]{20,}")


@pytest.fixture
def sandbox_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`py-release sandbox` in its own process; yields what it wrote to --env-file."""
    env_file = tmp_path / "sandbox.env"
    log = tmp_path / "sandbox.log"
    with log.open("w") as log_stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "sandbox", "--project", "py-release-sample",
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
        values["_ENV_FILE"] = str(env_file)
        yield values
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "--env ACTIONS_ID_TOKEN_REQUEST_URL=" in log.read_text()


def test_a_tag_push_signs_and_publishes_through_trusted_publishing(
    tmp_path: Path, sandbox_env: dict[str, str]
) -> None:
    repo = make_repository(tmp_path, "1.0.0", WORKFLOW)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": "refs/tags/v1.0.0"}))
    results = tmp_path / "results.env"
    environ = clean_environ()
    environ["PATH"] = f"{Path(sys.executable).parent}:{environ.get('PATH', '')}"
    command = [
        _act_binary(), "push", "-e", str(event), "-W", ".github/workflows/release.yml",
        "-P", "ubuntu-latest=-self-hosted",
        "--env-file", sandbox_env["_ENV_FILE"],
        "--env", f"SRC={repo}", "--env", f"RESULTS={results}",
        "--env", f"PY_RELEASE_CACHE={tmp_path / 'cache'}",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=repo, env=environ, capture_output=True, text=True, timeout=ACT_TIMEOUT,
        check=False,
    )  # fmt: skip
    log = result.stdout + result.stderr

    assert result.returncode == 0, log[-6000:]
    assert_no_secrets(log, results)
    assert TOKEN_SHAPES.search(log) is None, "an ID token or minted token reached act's log"
    outputs = dict(line.split("=", 1) for line in results.read_text().splitlines())
    assert outputs["OUT_UPLOADED"] == "2"
    assert "Trusted Publishing: exchanged the job's ID token" in log
    assert "2 attestations signed" in log
    assert "provenance of 2 files verified" in log
    simple = sandbox_env["PY_RELEASE_SANDBOX_INDEX"].replace("/legacy/", "/simple/")
    page = requests.get(
        f"{simple}py-release-sample/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    ).json()
    assert {f["filename"] for f in page["files"]} == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
