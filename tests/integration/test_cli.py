"""The CLI's verbs and exit codes, run as a user runs them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.helpers import SAMPLE_PROJECT, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import register_secret


def test_check_passes_good_files(packages_dir: Path, tmp_path: Path) -> None:
    run = run_cli(["check", str(packages_dir)], tmp_path, actions=False)

    assert run.returncode == 0, run.log
    assert "py-release-sample 1.0.0: all 2 files pass" in run.stderr


def test_check_fails_a_broken_wheel_with_error_and_hint(packages_dir: Path, tmp_path: Path) -> None:
    wheel = next(packages_dir.glob("*.whl"))
    broken = tmp_path / "broken" / wheel.name
    broken.parent.mkdir()
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("__init__.py"):
                data += b"\n# changed after the wheel was built\n"
            target.writestr(item, data)

    run = run_cli(["check", str(broken)], tmp_path, actions=False)

    assert run.returncode == 1
    assert "didn't match RECORD" in run.stderr
    assert "hint:" in run.stderr
    assert "Traceback" not in run.log


def test_check_refuses_a_local_version_for_pypi_only(packages_dir: Path, tmp_path: Path) -> None:
    run = run_cli(["check", "--tag", "v1.0.1", str(packages_dir)], tmp_path, actions=False)

    assert run.returncode == 1
    assert "tag v1.0.1: does not match the version of the distributions, 1.0.0" in run.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["--version"], 0, id="version"),
        pytest.param(["--help"], 0, id="help"),
        pytest.param(["publish", "--no-such-flag"], 1, id="unknown flag"),
        pytest.param(["frobnicate"], 1, id="unknown command"),
        pytest.param(["check"], 1, id="check without paths"),
    ],
)
def test_usage_errors_exit_1_with_a_hint(args: list[str], code: int, tmp_path: Path) -> None:
    run = run_cli(args, tmp_path, actions=False)
    assert run.returncode == code
    if code:
        assert "error: py-release" in run.stderr
        assert "--help` lists what it takes" in run.stderr
        assert "Traceback" not in run.log


def test_a_password_flag_is_refused_without_echoing_its_value(tmp_path: Path) -> None:
    register_secret("hunter2-not-for-the-log")
    run = run_cli(["publish", "--password", "hunter2-not-for-the-log", "--x=also-hidden"],
                  tmp_path)  # fmt: skip
    assert run.returncode == 1
    assert "unrecognized arguments: --password, --x (their values are not shown)" in run.stderr
    assert "hint: a password is never a flag" in run.stderr
    assert "hunter2-not-for-the-log" not in run.log
    assert "also-hidden" not in run.log


def test_password_from_py_release_password_on_a_laptop(
    pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    run = run_cli(
        ["--repository-url", pypiserver.url, "--user", pypiserver.user,
         "--packages-dir", str(packages_dir), "--attestations", "false", "--verbose", "no"],
        tmp_path,
        {"PY_RELEASE_PASSWORD": pypiserver.password.reveal()},
        actions=False,
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert {p.name for p in pypiserver.packages.iterdir()} == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
    # Outside Actions the summary is the report on stdout.
    assert "py-release: py-release-sample 1.0.0 released" in run.stdout


def test_without_password_or_id_token_permission_the_hint_shows_the_yaml(
    packages_dir: Path, tmp_path: Path
) -> None:
    run = run_cli(
        ["--repository-url", "http://127.0.0.1:9/", "--packages-dir", str(packages_dir)],
        tmp_path,
    )

    assert run.returncode == 1
    assert "cannot request an ID token for Trusted Publishing" in run.stderr
    assert "permissions:\n      id-token: write" in run.stderr
    assert "| authenticate | ❌ failed |" in run.summary


def test_without_password_a_dry_run_says_trusted_publishing_would_be_used(
    packages_dir: Path, tmp_path: Path, pypiserver: PypiServer
) -> None:
    run = run_cli(
        ["--repository-url", pypiserver.url, "--packages-dir", str(packages_dir), "--dry-run"],
        tmp_path,
    )

    assert run.returncode == 0, run.log
    assert "a real run would use Trusted Publishing" in run.summary
    assert "ID-token request variables are absent" in run.summary
    assert "2 PEP 740 attestations would be made" in run.summary


@pytest.mark.slow
def test_demo_releases_the_sample_and_installs_it_back(tmp_path: Path) -> None:
    run = run_cli(["demo"], tmp_path, actions=False)

    assert run.returncode == 0, run.log
    assert "Hello from py-release-sample 1.0.0, installed from the index." in run.stderr
    assert "dry run, nothing uploaded" in run.stdout
    assert "py-release: py-release-sample 1.0.0 released" in run.stdout
    # The demo works on a copy: the bundled sample stays clean.
    assert not (SAMPLE_PROJECT / "dist").exists()


def test_under_actions_the_log_keeps_its_order_when_stdout_and_stderr_share_a_pipe(
    packages_dir: Path, tmp_path: Path
) -> None:
    """A runner reads both streams through one pipe: the masks and the lines before an error
    come before it, not after (stdout through a pipe is buffered by the block otherwise)."""
    import subprocess
    import sys

    from tests.helpers import clean_environ

    password = register_secret("pipe-order-secret-4c1d")
    # As on a runner: no PYTHONUNBUFFERED (this machine's shell may set it).
    environ = {k: v for k, v in clean_environ().items() if k != "PYTHONUNBUFFERED"} | {
        "GITHUB_ACTIONS": "true",
        "INPUT_PACKAGES-DIR": str(packages_dir),
        "INPUT_REPOSITORY-URL": "http://127.0.0.1:9/",
        "INPUT_USER": "uploader",
        "INPUT_PASSWORD": password,
        "INPUT_DRY-RUN": "true",
        "INPUT_AUDIT": "off",
    }
    result = subprocess.run(
        [sys.executable, "-m", "py_release"],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    log = result.stdout
    lines = log.splitlines()
    assert result.returncode == 1, "\n".join(lines[2:])
    assert all(password not in line for line in lines if not line.startswith("::add-mask::"))
    first_error = next(i for i, line in enumerate(lines) if line.startswith("error:"))
    assert lines[0] == f"::add-mask::{password}"
    assert any(line.startswith("index: http://127.0.0.1:9/") for line in lines[:first_error])
