"""`py-release sandbox` (run_sandbox) hands act GitHub's API as a variable and the job token
only through a secret file: the token works on the stand-in and is never printed."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from py_release.reporter import TerminalReporter
from py_release.sandbox.command import run_sandbox
from py_release.sandbox.identity import JobIdentity
from tests.secrets_registry import assert_no_secrets, register_secret

IDENTITY = JobIdentity(repository="octo-org/sample-project")


def _key_values(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@contextmanager
def _running(env_file: Path, secret_file: Path | None) -> Iterator[io.StringIO]:
    """run_sandbox in a thread until the block ends; yields what it prints, once printed."""
    printed = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(
        target=run_sandbox,
        kwargs={
            "identity": IDENTITY,
            "project": "py-release-sample",
            "env_file": env_file,
            "secret_file": secret_file,
            "reporter": TerminalReporter(verbose=False, out=printed, err=printed),
            "stop": stop,
        },
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "--secret-file" not in printed.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "--secret-file" in printed.getvalue(), printed.getvalue()
        yield printed
    finally:
        stop.set()
        thread.join(timeout=30)


def _repository(api_url: str, name: str, token: str) -> requests.Response:
    return requests.get(
        f"{api_url}/repos/{name}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_the_job_token_reaches_act_only_through_the_secret_file(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    secret_file = tmp_path / "act.secrets"

    with _running(env_file, secret_file) as printed:
        env = _key_values(env_file)
        secrets = _key_values(secret_file)
        token = register_secret(secrets["GITHUB_TOKEN"])
        api_url = env["GITHUB_API_URL"]
        own = _repository(api_url, IDENTITY.repository, token)
        other = _repository(api_url, "octo-org/another-project", token)

    assert set(secrets) == {"GITHUB_TOKEN"}
    assert token.startswith("ghs_")
    assert "GITHUB_TOKEN" not in env
    assert secret_file.stat().st_mode & 0o777 == 0o600
    # The token is the job's, with contents: write, on the identity's repository only.
    assert own.status_code == 200, own.text
    assert own.json()["full_name"] == IDENTITY.repository
    assert own.json()["permissions"]["push"] is True
    assert other.status_code == 404
    output = printed.getvalue()
    assert f"--env GITHUB_API_URL={api_url}" in output
    assert f"--secret-file {secret_file}" in output
    assert_no_secrets(output)


def test_without_secret_file_a_private_one_is_made_and_removed_on_exit(tmp_path: Path) -> None:
    with _running(tmp_path / "sandbox.env", None) as printed:
        line = next(line for line in printed.getvalue().splitlines() if "--secret-file " in line)
        secret_file = Path(line.split("--secret-file ", 1)[1])
        token = register_secret(_key_values(secret_file)["GITHUB_TOKEN"])
        assert secret_file.stat().st_mode & 0o777 == 0o600
        assert secret_file.parent.stat().st_mode & 0o077 == 0  # a folder only its owner reads

    assert not secret_file.exists()
    assert token not in printed.getvalue()
