"""A step's two backend hooks share an interpreter, and nothing else changes: the backend sees
what a one-shot hook sees (no stdin, no foreign sys.path entries), its output reaches the log
whole, and a failure is reported as before. Real interpreters, real pyproject-hooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyproject_hooks import BuildBackendHookCaller

from py_release.distributions.build import build_distributions
from py_release.distributions.hook_runner import HookRunner, hooks_may_share_an_interpreter
from tests.unit.artefacts import make_wheel

_BACKEND = """\
import json, os, sys

def _note(hook):
    with open(os.environ["HOOK_NOTES"], "a", encoding="utf-8") as notes:
        notes.write(json.dumps({
            "hook": hook, "pid": os.getpid(), "cwd": os.getcwd(), "path": sys.path,
            "stdin": sys.stdin.read(),
        }) + "\\n")

def get_requires_for_build_sdist(config_settings=None):
    _note("get_requires_for_build_sdist")
    print("asking for requirements")
    return json.loads(os.environ.get("HOOK_REQUIRES", "[]"))

def build_sdist(sdist_directory, config_settings=None):
    _note("build_sdist")
    if os.path.exists(os.environ["HOOK_NOTES"] + ".fail"):
        raise RuntimeError("the backend broke on purpose")
    sys.stdout.write("a last line without its newline")
    return "made.tar.gz"
"""


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "recorder.py").write_text(_BACKEND, encoding="utf-8")
    return folder


def _notes(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "notes.jsonl"
    monkeypatch.setenv("HOOK_NOTES", str(path))
    return path


def _caller(source: Path, runner: HookRunner) -> BuildBackendHookCaller:
    return BuildBackendHookCaller(
        str(source), "recorder", backend_path=["."], runner=runner, python_executable=sys.executable
    )


def test_a_steps_two_hooks_run_in_one_interpreter(tmp_path: Path, notes: Path) -> None:
    logged: list[str] = []
    runner = HookRunner(logged.append)
    hooks = _caller(_project(tmp_path / "p"), runner)
    with runner.step(shared=True):
        assert hooks.get_requires_for_build_sdist() == []
        assert hooks.build_sdist(str(tmp_path)) == "made.tar.gz"
    runner.close()
    first, second = _notes(notes)
    assert first["pid"] == second["pid"]
    assert logged == ["asking for requirements", "a last line without its newline"]


def test_the_backend_sees_what_a_one_shot_hook_sees(tmp_path: Path, notes: Path) -> None:
    runner = HookRunner(None)
    source = _project(tmp_path / "p")
    hooks = _caller(source, runner)
    with runner.step(shared=True):
        hooks.get_requires_for_build_sdist()
        hooks.build_sdist(str(tmp_path))
    with runner.step(shared=False):
        hooks.get_requires_for_build_sdist()
    runner.close()
    shared_first, shared_second, one_shot = _notes(notes)
    server_folder = str(Path(__file__).parents[2] / "src" / "py_release" / "distributions")
    for note in (shared_first, shared_second):
        assert note["stdin"] == ""  # the requests to the interpreter are not the backend's
        assert note["cwd"] == str(source)
        assert server_folder not in note["path"]
        assert "" not in note["path"]
        # Beyond the backend path, sys.path is a one-shot interpreter's own.
        assert [p for p in note["path"] if p != str(source)] == [
            p for p in one_shot["path"] if p != str(source)
        ]


def test_a_fresh_interpreter_after_a_restart_or_when_not_shared(
    tmp_path: Path, notes: Path
) -> None:
    runner = HookRunner(None)
    hooks = _caller(_project(tmp_path / "p"), runner)
    with runner.step(shared=True):
        hooks.get_requires_for_build_sdist()
        runner.restart()  # what the build does after installing what the hook asked for
        hooks.build_sdist(str(tmp_path))
    with runner.step(shared=False):
        hooks.get_requires_for_build_sdist()
        hooks.build_sdist(str(tmp_path))
    runner.close()
    pids = [note["pid"] for note in _notes(notes)]
    assert len(set(pids)) == 4


def test_another_folder_gets_another_interpreter(tmp_path: Path, notes: Path) -> None:
    runner = HookRunner(None)
    with runner.step(shared=True):
        _caller(_project(tmp_path / "a"), runner).get_requires_for_build_sdist()
        _caller(_project(tmp_path / "b"), runner).get_requires_for_build_sdist()
    runner.close()
    first, second = _notes(notes)
    assert first["pid"] != second["pid"]


def test_a_failing_hook_reports_its_traceback_and_the_next_hook_starts_afresh(
    tmp_path: Path, notes: Path
) -> None:
    runner = HookRunner(None)
    hooks = _caller(_project(tmp_path / "p"), runner)
    with runner.step(shared=True):
        hooks.get_requires_for_build_sdist()
        fail = Path(f"{notes}.fail")
        fail.touch()  # seen by the interpreter already running, which a variable would not be
        with pytest.raises(subprocess.CalledProcessError) as failed:
            hooks.build_sdist(str(tmp_path))
        fail.unlink()
        assert hooks.build_sdist(str(tmp_path)) == "made.tar.gz"
    runner.close()
    assert "RuntimeError: the backend broke on purpose" in str(failed.value.output)
    pids = [note["pid"] for note in _notes(notes)]
    assert pids[2] != pids[1]


def test_close_waits_for_every_interpreter(tmp_path: Path, notes: Path) -> None:
    runner = HookRunner(None)
    hooks = _caller(_project(tmp_path / "p"), runner)
    with runner.step(shared=True):
        hooks.get_requires_for_build_sdist()
    with runner.step(shared=True):
        hooks.get_requires_for_build_sdist()
    runner.close()
    for note in _notes(notes):
        pid = note["pid"]
        assert isinstance(pid, int)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize(
    ("backend", "shares"),
    [
        ("setuptools.build_meta", False),
        ("setuptools.build_meta:__legacy__", False),
        ("setuptools:build_meta", False),
        ("hatchling.build", True),
        ("flit_core.buildapi", True),
        ("setuptools_rust_backend", True),
        ("recorder", True),
    ],
)
def test_setuptools_hooks_never_share_an_interpreter(backend: str, shares: bool) -> None:
    assert hooks_may_share_an_interpreter(backend) is shares


_TWO_STEP_BACKEND = """\
import json, os, shutil, sys

def _note(hook):
    try:
        import helper_dep
        helper = True
    except ImportError:
        helper = False
    with open(os.environ["HOOK_NOTES"], "a", encoding="utf-8") as notes:
        notes.write(json.dumps({"hook": hook, "pid": os.getpid(), "helper": helper}) + "\\n")

def get_requires_for_build_sdist(config_settings=None):
    _note("get_requires_for_build_sdist")
    return []

def build_sdist(sdist_directory, config_settings=None):
    _note("build_sdist")
    return os.path.basename(shutil.copy(os.environ["READY_SDIST"], sdist_directory))

def get_requires_for_build_wheel(config_settings=None):
    _note("get_requires_for_build_wheel")
    return [os.environ["HELPER_REQUIREMENT"]]

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _note("build_wheel")
    return os.path.basename(shutil.copy(os.environ["READY_WHEEL"], wheel_directory))
"""


def test_the_build_hook_after_an_install_sees_the_new_requirement(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sdist's hooks share an interpreter; the wheel's first hook asks for a requirement
    that is not installed, so its build hook runs in a fresh interpreter that can import it."""
    from tests.unit.artefacts import make_sdist

    ready = tmp_path / "ready"
    ready.mkdir()
    helper = make_wheel(
        ready,
        name="helper-dep",
        files={"helper_dep/__init__.py": b""},
    )
    pyproject = (
        b'[build-system]\nrequires = []\nbuild-backend = "recorder"\nbackend-path = ["."]\n\n'
        b'[project]\nname = "py-release-sample"\nversion = "1.0.0"\n'
    )
    files = {"pyproject.toml": pyproject, "recorder.py": _TWO_STEP_BACKEND.encode()}
    sdist = make_sdist(ready, files=files)
    wheel = make_wheel(ready)
    project = tmp_path / "project"
    project.mkdir()
    for name, data in files.items():
        (project / name).write_bytes(data)
    monkeypatch.setenv("READY_SDIST", str(sdist))
    monkeypatch.setenv("READY_WHEEL", str(wheel))
    monkeypatch.setenv("HELPER_REQUIREMENT", f"helper-dep @ {helper.as_uri()}")
    built = build_distributions(project, tmp_path / "out", verbose=False, log=lambda _: None)
    assert [d.name for d in built] == [sdist.name, wheel.name]
    seen = _notes(notes)
    assert [n["hook"] for n in seen] == [
        "get_requires_for_build_sdist", "build_sdist",
        "get_requires_for_build_wheel", "build_wheel",
    ]  # fmt: skip
    pids = [n["pid"] for n in seen]
    assert pids[0] == pids[1]  # nothing to install between them
    assert pids[2] != pids[1]  # another folder: the unpacked sdist
    assert pids[3] != pids[2]  # helper-dep was installed between them
    assert [n["helper"] for n in seen] == [False, False, False, True]
