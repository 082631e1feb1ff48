"""The work a run does once instead of again: modules imported during the build, build
requirements installed once for both steps, twine's reading of each file, the session opened
only when used, and the provenance reads made side by side."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from twine.package import PackageFile

from py_release import release
from py_release.attest import provenance
from py_release.config import load_config
from py_release.distributions import upload_form
from py_release.distributions.build import _SharedEnv
from py_release.distributions.files import DistFile
from py_release.environment import release_environment
from py_release.github.context import GitHubContext
from py_release.index.credentials import StaticCredentials
from py_release.index.repositories import PYPI_UPLOAD_URL, index_info
from py_release.plan import Decision, Plan
from py_release.preload import preloading
from py_release.reporter import TerminalReporter
from tests.unit.artefacts import make_wheel


def test_every_preloaded_module_exists_and_every_lazy_stage_resolves() -> None:
    # A misspelt name would preload nothing, silently; a lazy stage would fail only when reached.
    config = load_config({}, {"attestations": "true", "github-release": "true"})
    env = release_environment(
        config=config, context=GitHubContext(), reporter=TerminalReporter(verbose=False)
    )
    plan = _decided_plan(dry_run=False)
    modules = release.modules_after_build(plan, env)
    assert "py_release.attest.sign" in modules
    assert "py_release.github.release" in modules
    for module in modules:
        importlib.import_module(module)
    for stage in release.STAGES[1:]:
        assert callable(getattr(importlib.import_module(stage.__module__), stage.__name__))


def test_a_dry_run_or_a_password_run_does_not_preload_sigstore() -> None:
    config = load_config({}, {"attestations": "true"})
    env = release_environment(
        config=config, context=GitHubContext(), reporter=TerminalReporter(verbose=False)
    )
    assert "py_release.attest.sign" not in release.modules_after_build(
        _decided_plan(dry_run=True), env
    )
    assert "py_release.attest.sign" not in release.modules_after_build(
        _decided_plan(dry_run=False, credentials="password"), env
    )


def test_preloading_imports_in_another_thread_and_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "slow_module_for_preload.py").write_text(
        "import threading, time\nTHREAD = threading.current_thread().name\ntime.sleep(0.2)\n"
    )
    (tmp_path / "broken_module_for_preload.py").write_text("raise RuntimeError('broken')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with preloading(["broken_module_for_preload", "slow_module_for_preload"]):
        inside = threading.current_thread().name
    # Joined at the end of the block: the module is complete, imported by the other thread.
    loaded = sys.modules["slow_module_for_preload"]
    assert loaded.THREAD == "py-release-preload" != inside
    # A failing module is left for its real importer, who sees the real error.
    assert "broken_module_for_preload" not in sys.modules
    with pytest.raises(RuntimeError, match="broken"):
        importlib.import_module("broken_module_for_preload")


class _RecordingEnv:
    def __init__(self) -> None:
        self.installs: list[set[str]] = []

    def install(self, requirements: set[str]) -> None:
        self.installs.append(set(requirements))


def test_the_wheel_step_installs_only_what_the_sdist_step_did_not() -> None:
    recorded = _RecordingEnv()
    shared = _SharedEnv(recorded)  # type: ignore[arg-type]
    shared.install(["hatchling>=1.27"])  # the sdist's build-system requires
    shared.install([])  # get_requires_for_build_sdist
    shared.install(["hatchling>=1.27"])  # the wheel's, from the sdist: the same
    shared.install(["hatch-vcs"])  # get_requires_for_build_wheel asks for more
    assert recorded.installs == [{"hatchling>=1.27"}, {"hatch-vcs"}]


def test_twine_reads_and_hashes_each_file_once_and_a_rebuilt_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = PackageFile.from_filename

    def counting(filename: str, comment: str | None) -> PackageFile:
        calls.append(Path(filename).name)
        return original(filename, comment)

    monkeypatch.setattr(PackageFile, "from_filename", counting)
    wheel = DistFile(make_wheel(tmp_path, name="fewer-passes", version="1.0"))
    first = upload_form.package_file(wheel)
    first.add_attestations([])  # an upload attempt changes its copy only
    second = upload_form.package_file(wheel)
    upload_form.upload_form(wheel)
    assert calls == [wheel.name]
    assert second is not first
    assert second.attestations is None
    assert second.sha2_digest == wheel.hashes.sha256

    time.sleep(0.01)
    rebuilt = DistFile(
        make_wheel(tmp_path, name="fewer-passes", version="1.0", files={"extra.py": b"x = 1\n"})
    )
    assert rebuilt.path == wheel.path
    assert upload_form.package_file(rebuilt).sha2_digest == rebuilt.hashes.sha256
    assert calls == [wheel.name, wheel.name]


def test_the_session_is_opened_only_when_a_stage_asks_for_it() -> None:
    env = release_environment(
        config=load_config({}, {}),
        context=GitHubContext(),
        reporter=TerminalReporter(verbose=False),
    )
    env.close()
    assert "session" not in env.__dict__
    session = env.session
    assert env.session is session
    env.close()


def test_provenance_reads_go_side_by_side() -> None:
    both_waiting = threading.Barrier(2, timeout=5)

    class Session:
        def get(self, url: str, **_: object) -> object:
            both_waiting.wait()  # only passes when two reads are in flight at once
            raise requests.ConnectionError(url)

    fetched = provenance.fetch_provenances(
        Session(),  # type: ignore[arg-type]
        ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"],
        concurrency=2,
    )
    assert set(fetched) == {"http://127.0.0.1:1/a", "http://127.0.0.1:1/b"}
    assert all(isinstance(v, provenance.ProvenanceUnavailable) for v in fetched.values())


def test_the_console_exit_still_flushes_and_keeps_the_code(tmp_path: Path) -> None:
    # entry() leaves the interpreter without tearing it down; what was written must arrive.
    ran = subprocess.run(
        [sys.executable, "-m", "py_release", "check", str(tmp_path / "missing.whl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 1
    assert "missing.whl is not a distribution file" in ran.stdout + ran.stderr
    version = subprocess.run(
        [sys.executable, "-m", "py_release", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.returncode == 0
    assert version.stdout.strip()


def _decided_plan(*, dry_run: bool, credentials: str = "trusted-publishing") -> Plan:
    decision = Decision(
        dry_run=dry_run,
        dry_run_reason="test",
        build=("sdist", "wheel"),
        build_reason="test",
        index=index_info(PYPI_UPLOAD_URL),
        index_reason="test",
        credentials=credentials,  # type: ignore[arg-type]
    )
    return Plan(decision=decision, credentials=StaticCredentials("__token__", None))
