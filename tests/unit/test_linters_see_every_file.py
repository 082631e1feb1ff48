"""ruff and mypy skip folders silently (ruff's default excludes hold ``dist``, ``build``,
``venv``…), so a package named like one would go unlinted: every tracked source file must be
in what they actually check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tracked_python(folder: str) -> set[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--", f"{folder}/*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {(ROOT / name).resolve() for name in listed}


def test_ruff_checks_every_tracked_source_and_test_file() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--show-files", "src", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seen = {Path(line).resolve() for line in shown if line.endswith(".py")}
    tracked = _tracked_python("src") | _tracked_python("tests")
    assert tracked, "git ls-files listed no Python files"
    assert sorted(tracked - seen) == []


def test_mypy_checks_every_tracked_source_file() -> None:
    # mypy's own file discovery, without type-checking: the same list ``mypy`` would check.
    from mypy.find_sources import create_source_list
    from mypy.options import Options

    options = Options()
    sources = create_source_list([str(ROOT / "src"), str(ROOT / "tests")], options)
    seen = {Path(source.path).resolve() for source in sources if source.path}
    tracked = _tracked_python("src") | _tracked_python("tests")
    assert sorted(tracked - seen) == []
