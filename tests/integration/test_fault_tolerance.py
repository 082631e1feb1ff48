"""Uploads through a fault-injecting proxy on real sockets: transient failures, a permanent
failure, a killed run, and a conflicting file. Every file must end up on the index exactly
once, and a re-run must send only what is missing."""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from py_release.config import load_config
from py_release.environment import Environment, release_environment
from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.index.retry import RetryPolicy
from py_release.markdown import prose
from py_release.release import run_release
from py_release.reporter import TerminalReporter
from py_release.sandbox.session import start_sandbox
from tests.faultproxy import PASS, Fault, FaultProxy, Policy, upload_filename
from tests.helpers import clean_environ
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret
from tests.unit.artefacts import dist_stem, make_sdist, make_wheel

NAME, VERSION = "faulty-sample", "1.0.0"
FAST_RETRY = RetryPolicy(attempts=8, base_delay=0.05, max_delay=0.2, total=60, timeout=(5, 2))


def make_release(folder: Path, wheels: int) -> list[Path]:
    """An sdist and ``wheels`` distinct wheels of one project and version."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = dist_stem(NAME, VERSION)
    paths = [make_sdist(folder, name=NAME, version=VERSION)]
    for number in range(wheels):
        module = NAME.replace("-", "_")
        paths.append(
            make_wheel(
                folder,
                name=NAME,
                version=VERSION,
                filename=f"{stem}-{number}-py3-none-any.whl",  # a build tag makes each unique
                files={f"{module}/__init__.py": f"BUILD = {number}\n".encode()},
            )
        )
    return paths


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PypiServer]:
    with PypiServer(root=tmp_path / "index") as server:
        register_secret(server.password.reveal())
        yield server


def environment(
    url: str, index: PypiServer, packages: Path, log: io.StringIO, **flags: str
) -> Environment:
    config = load_config(
        {"INPUT_PASSWORD": index.password.reveal()},
        {"repository-url": url, "user": index.user, "packages-dir": str(packages),
         "attestations": "false", "verify-metadata": "false", "audit": "off",
         **flags},
    )  # fmt: skip
    return release_environment(
        config=config,
        context=GitHubContext(),
        reporter=TerminalReporter(verbose=True, out=log, err=log),
        session=requests.Session(),
        retry=FAST_RETRY,
    )


def on_index(index: PypiServer) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in index.packages.iterdir()}


def local(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def settled(index: PypiServer) -> set[str]:
    """The index's files once uploads already on their way (in the proxy) have landed."""
    seen, quiet_since = set(on_index(index)), time.monotonic()
    while time.monotonic() - quiet_since < 1.0:
        time.sleep(0.1)
        now = set(on_index(index))
        if now != seen:
            seen, quiet_since = now, time.monotonic()
    return seen


def upload_posts(proxy: FaultProxy) -> list[str]:
    return [s.path for s in proxy.seen if s.method == "POST"]


def flaky(fraction: float, seed: int) -> Policy:
    """A ``fraction`` of uploads meet one of the transient faults, chosen at random."""
    rng, lock = random.Random(seed), threading.Lock()
    faults = [
        Fault(kind="status", status=503, retry_after="0"),
        Fault(kind="status", status=429, retry_after="0"),
        Fault(kind="status", status=502),
        Fault(kind="reset-before"),
        Fault(kind="reset-after"),  # the file arrives, the client sees a reset
        Fault(kind="stall", stall=4.0),  # longer than the client's read timeout
    ]

    def policy(method: str, path: str, body: bytes) -> Fault:
        if upload_filename(method, body) is None:
            return PASS
        with lock:
            return rng.choice(faults) if rng.random() < fraction else PASS

    return policy


def test_a_flaky_index_still_gets_every_file_exactly_once(
    index: PypiServer, tmp_path: Path
) -> None:
    files = make_release(tmp_path / "dist", wheels=20)
    log = io.StringIO()
    with FaultProxy(index.url, flaky(0.3, seed=7)) as proxy:
        plan = run_release(environment(proxy.url, index, tmp_path / "dist", log, concurrency="4"))

    assert_no_secrets(log.getvalue())
    assert on_index(index) == local(files)
    assert plan.count("uploaded") == len(files)
    faulted = [s for s in proxy.seen if s.method == "POST" and s.fault.kind != "pass"]
    assert len(faulted) >= 3, "the proxy should have injected faults"
    assert "trying again" in log.getvalue()
    # Files that arrived while their answer was lost (reset-after, stall) were not sent again:
    # pypiserver answers a second copy with 409 (400 for twine's user agent).
    assert any(s.fault.kind in ("reset-after", "stall") for s in faulted)
    assert not [s for s in proxy.seen if s.upstream_status in (400, 409)]


def test_a_permanent_failure_names_the_file_and_a_rerun_sends_only_the_rest(
    index: PypiServer, tmp_path: Path
) -> None:
    files = make_release(tmp_path / "dist", wheels=6)
    broken = files[3].name

    def permanent_500(method: str, path: str, body: bytes) -> Fault:
        return Fault(kind="status", status=500) if upload_filename(method, body) == broken else PASS

    log = io.StringIO()
    with FaultProxy(index.url, permanent_500) as proxy:
        runner = environment(proxy.url, index, tmp_path / "dist", log)
        with pytest.raises(ReleaseError) as caught:
            run_release(runner)
        assert f"1 files were not uploaded: {broken}" in caught.value.message
        assert "Uploaded: " in caught.value.message
        assert set(on_index(index)) == {p.name for p in files} - {broken}

        proxy.policy = lambda method, path, body: PASS
        before = len(upload_posts(proxy))
        plan = run_release(environment(proxy.url, index, tmp_path / "dist", io.StringIO()))
        resent = upload_posts(proxy)[before:]

    assert len(resent) == 1
    assert on_index(index) == local(files)
    assert plan.count("already on index") == len(files) - 1
    assert any("were already on the index" in s.detail for s in plan.stages)


def test_a_killed_run_is_finished_by_a_rerun_without_duplicates(
    index: PypiServer, tmp_path: Path
) -> None:
    files = make_release(tmp_path / "dist", wheels=40)
    slow = lambda method, path, body: (  # noqa: E731
        Fault(delay=0.25) if upload_filename(method, body) else PASS
    )
    with FaultProxy(index.url, slow) as proxy:
        environ = clean_environ() | {"PY_RELEASE_PASSWORD": index.password.reveal()}
        process = subprocess.Popen(
            [sys.executable, "-m", "py_release", "publish", "--repository-url", proxy.url,
             "--user", index.user, "--packages-dir", str(tmp_path / "dist"),
             "--attestations", "false", "--verify-metadata", "false", "--concurrency", "4"],
            env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(on_index(index)) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=10)
        assert_no_secrets(output.decode(errors="replace"))
        landed = settled(index)
        assert 8 <= len(landed) < len(files), "the kill should land mid-upload"

        proxy.policy = lambda method, path, body: PASS
        before = len(upload_posts(proxy))
        log = io.StringIO()
        plan = run_release(environment(proxy.url, index, tmp_path / "dist", log))
        resent = upload_posts(proxy)[before:]

    assert on_index(index) == local(files)
    assert len(resent) == len(files) - len(landed)
    assert plan.count("already on index") == len(landed)
    upload = next(stage for stage in plan.stages if stage.stage == "upload")
    assert f"{len(landed)} were already on the index (not sent again)" in upload.detail


def test_a_conflicting_file_refuses_the_release_before_any_upload(
    index: PypiServer, tmp_path: Path
) -> None:
    files = make_release(tmp_path / "first", wheels=2)
    run_release(environment(index.url, index, tmp_path / "first", io.StringIO()))
    # The same names, other contents (a rebuild of the same version).
    second = tmp_path / "second"
    second.mkdir()
    make_sdist(second, name=NAME, version=VERSION)
    for number in range(2):
        make_wheel(
            second, name=NAME, version=VERSION,
            filename=f"{dist_stem(NAME, VERSION)}-{number}-py3-none-any.whl",
            files={f"{NAME.replace('-', '_')}/__init__.py": f"REBUILT = {number}\n".encode()},
        )  # fmt: skip

    with FaultProxy(index.url) as proxy:
        with pytest.raises(ReleaseError) as caught:
            run_release(
                environment(proxy.url, index, second, io.StringIO(), **{"skip-existing": "true"})
            )
        assert upload_posts(proxy) == []

    assert "with other contents" in caught.value.message
    assert on_index(index) == local(files)


def test_trusted_publishing_through_a_flaky_proxy_to_the_warehouse(tmp_path: Path) -> None:
    """The warehouse answers an identical re-upload with 200; a lost answer must not count as
    a failure, and every file must arrive once."""
    files = make_release(tmp_path / "dist", wheels=6)
    from py_release.sandbox.identity import JobIdentity

    identity = JobIdentity(repository="octo-org/faulty", ref="refs/heads/main")
    with (
        start_sandbox(identity, NAME) as sandbox,
        FaultProxy(sandbox.warehouse.url + "/", flaky(0.4, seed=3)) as proxy,
    ):
        config = load_config(
            {},
            {"repository-url": f"{proxy.url}legacy/", "packages-dir": str(tmp_path / "dist"),
             "attestations": "false", "verify-metadata": "false", "audit": "off"},
        )  # fmt: skip
        log = io.StringIO()
        env = release_environment(
            config=config,
            context=GitHubContext(
                event_name="push",
                ref=identity.ref,
                repository=identity.repository,
                id_token_available=True,
            ),
            reporter=TerminalReporter(verbose=True, out=log, err=log),
            session=requests.Session(),
            id_tokens=sandbox.id_tokens(),
            retry=FAST_RETRY,
        )
        plan = run_release(env)
        register_sandbox_tokens(sandbox)
        assert_no_secrets(log.getvalue())
        assert plan.count("uploaded") == len(files)
        assert sandbox.warehouse.files(NAME) == local(files)


def test_files_that_were_never_sent_say_why(index: PypiServer, tmp_path: Path) -> None:
    files = make_release(tmp_path / "dist", wheels=2)
    # Wheels go first, and the first upload of a new project goes alone: it creates it.
    first = sorted(p.name for p in files if p.suffix == ".whl")[0]

    def refuse_first(method: str, path: str, body: bytes) -> Fault:
        return Fault(kind="status", status=500) if upload_filename(method, body) == first else PASS

    log = io.StringIO()
    with FaultProxy(index.url, refuse_first) as proxy, pytest.raises(ReleaseError):
        run_release(environment(proxy.url, index, tmp_path / "dist", log))

    summary = log.getvalue()
    assert on_index(index) == {}
    assert f"| `{first}` |" in summary
    assert "| failed: uploading " in summary
    for other in {p.name for p in files} - {first}:
        row = next(line for line in summary.splitlines() if line.startswith(f"| `{other}` |"))
        reason = prose(
            f"the first upload ({first}) creates the project and failed; every other file "
            "would have failed the same way"
        )
        assert row.endswith(f"| not sent: {reason} |")
    assert "| pending |" not in summary


@pytest.mark.parametrize("actions", [True, False], ids=["actions", "terminal"])
def test_every_line_of_a_concurrent_upload_reaches_the_log(
    actions: bool, index: PypiServer, tmp_path: Path
) -> None:
    from tests.helpers import run_cli

    files = make_release(tmp_path / "dist", wheels=39)
    run = run_cli(
        ["publish", "--repository-url", index.url, "--user", index.user,
         "--packages-dir", str(tmp_path / "dist"), "--attestations", "false",
         "--concurrency", "8", "--doctor", "off"],
        tmp_path,
        {"PY_RELEASE_PASSWORD": index.password.reveal()},
        actions=actions,
    )  # fmt: skip

    assert run.returncode == 0, run.log
    log = run.stdout if actions else run.stderr
    for path in files:
        assert log.count(f"{path.name}: uploaded") == 1, path.name
    assert "Uploading " not in run.log  # twine's own announcements stay out
    summary = run.summary if actions else run.stdout
    assert f"## 📦 py-release: {NAME} {VERSION} released" in summary
    assert "| verify | ✅ done |" in summary
