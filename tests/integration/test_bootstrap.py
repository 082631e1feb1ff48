"""scripts/bootstrap: builds the action's venv from the hash-pinned lock, then reuses it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "scripts" / "bootstrap"
MARKER = ".py-release-ready"
IMPORTS = "import py_release, build, twine, installer, packaging; print(py_release.__file__)"


def load_bootstrap_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_venv_key_depends_on_lock_python_and_action_dir(tmp_path: Path) -> None:
    key = load_bootstrap_module().venv_key

    base = key(b"build==1.0 --hash=sha256:aa\n", "3.11.7 (main)", tmp_path)
    assert len(base) == 16
    assert int(base, 16) >= 0
    assert key(b"build==1.0 --hash=sha256:aa\n", "3.11.7 (main)", tmp_path) == base
    assert key(b"build==1.1 --hash=sha256:bb\n", "3.11.7 (main)", tmp_path) != base
    assert key(b"build==1.0 --hash=sha256:aa\n", "3.12.1 (main)", tmp_path) != base
    assert key(b"build==1.0 --hash=sha256:aa\n", "3.11.7 (main)", tmp_path / "other") != base


class Run:
    """One run of scripts/bootstrap: its result, the output file it wrote and how long it took."""

    def __init__(self, tmp_path: Path, name: str) -> None:
        self.output_file = tmp_path / f"github-output-{name}"
        env = {
            **os.environ,
            "INPUT_PYTHON": sys.executable,
            "PY_RELEASE_CACHE": str(tmp_path / "cache"),
            "GITHUB_OUTPUT": str(self.output_file),
            # Like the caller's activated venv: uv (from build[uv]) is found when installed.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        }
        start = time.perf_counter()
        self.result = subprocess.run(
            [str(BOOTSTRAP)], env=env, capture_output=True, text=True, timeout=900, check=False
        )
        self.seconds = time.perf_counter() - start
        assert self.result.returncode == 0, self.result.stderr
        self.python = Path(self.result.stdout.strip())

    def assert_venv_works(self) -> None:
        assert self.output_file.read_text(encoding="utf-8") == f"python={self.python}\n"
        check = subprocess.run(
            [str(self.python), "-c", IMPORTS], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stderr
        assert Path(check.stdout.strip()).is_relative_to(ROOT / "src")


@pytest.mark.slow
def test_bootstrap_creates_then_reuses_then_rebuilds_the_venv(tmp_path: Path) -> None:
    cold = Run(tmp_path, "cold")
    assert cold.python.is_relative_to(tmp_path / "cache")
    assert "created the virtual environment" in cold.result.stderr
    cold.assert_venv_works()
    venv_dir = cold.python.parent.parent
    key = (venv_dir / MARKER).read_text(encoding="utf-8")
    assert venv_dir.name == f"venv-{key}"

    warm = Run(tmp_path, "warm")
    assert warm.python == cold.python
    assert "reused the virtual environment" in warm.result.stderr
    assert "created" not in warm.result.stderr
    assert warm.seconds < cold.seconds / 2, (warm.seconds, cold.seconds)
    warm.assert_venv_works()

    (venv_dir / MARKER).write_text("tampered", encoding="utf-8")
    rebuilt = Run(tmp_path, "rebuilt")
    assert rebuilt.python == cold.python
    assert "reused" not in rebuilt.result.stderr
    assert "created the virtual environment" in rebuilt.result.stderr
    assert (venv_dir / MARKER).read_text(encoding="utf-8") == key
    rebuilt.assert_venv_works()


@pytest.mark.parametrize(
    "text", ["::set-output name=x::y", "a\r::add-mask::1.0.0", "  ##[add-mask]1.0.0"]
)
def test_its_own_lines_are_never_commands(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.workflow_commands import commands_in

    bootstrap = load_bootstrap_module()
    bootstrap.log(f"py-release: creating {text}")
    bootstrap.log(text)
    assert commands_in(capsys.readouterr().err) == []


def test_a_python_path_with_a_line_break_writes_no_output(tmp_path: Path) -> None:
    bootstrap = load_bootstrap_module()
    outputs = tmp_path / "outputs"
    outputs.write_text("")
    with pytest.raises(bootstrap.BootstrapError):
        bootstrap.write_output(Path("/x\nversion=6.6.6/python"), {"GITHUB_OUTPUT": str(outputs)})
    assert outputs.read_text() == ""
