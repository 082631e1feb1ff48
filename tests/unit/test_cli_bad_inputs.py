"""A bad input through the real CLI: exit 1, ``error:``/``hint:`` lines, no traceback, and
nothing built or uploaded (the repository URL points at a listening socket that must see no
connection)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from py_release.cli import main
from tests.secrets_registry import assert_no_secrets, register_secret

SAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "examples" / "sample-project"


@dataclass(frozen=True)
class Trap:
    """A loopback port that listens but is never meant to be called."""

    url: str
    server: socket.socket

    def connections(self) -> int:
        self.server.setblocking(False)
        count = 0
        while True:
            try:
                connection, _ = self.server.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1


@pytest.fixture
def trap() -> Iterator[Trap]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        yield Trap(f"http://127.0.0.1:{port}/", server)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(
        SAMPLE_PROJECT,
        target,
        ignore=shutil.ignore_patterns("dist", "build", "*.egg-info", "__pycache__", ".venv"),
    )
    return target


def _environ(project: Path, packages_dir: Path, trap: Trap, password: str) -> dict[str, str]:
    return {
        "INPUT_PROJECT-DIR": str(project),
        "INPUT_PACKAGES-DIR": str(packages_dir),
        "INPUT_REPOSITORY-URL": trap.url,
        "INPUT_PASSWORD": password,
        "INPUT_DRY-RUN": "false",
    }


CLI_CASES: list[tuple[str, dict[str, str], list[str], str]] = [
    ("bool-garbage", {"INPUT_VERIFY-METADATA": "maybe"}, [], "verify-metadata"),
    ("size-in-parsecs", {"INPUT_MAX-FILE-SIZE": "5 parsecs"}, [], "max-file-size"),
    ("ftp-url", {"INPUT_REPOSITORY-URL": "ftp://files.example.com/"}, [], "repository-url"),
    ("typo", {"INPUT_SKIP-EXISITNG": "true"}, [], "skip-existing"),
    ("flag-garbage", {}, ["--dry-run=ture"], "dry-run"),
    ("multi-line-dir", {"INPUT_PACKAGES-DIR": "dist\nmore"}, [], "packages-dir"),
    (
        "several",
        {"INPUT_VERBOSE": "2", "INPUT_CHECK-TAG": "sometimes"},
        ["--build", "perhaps"],
        "check-tag",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "argv", "named"),
    [case[1:] for case in CLI_CASES],
    ids=[case[0] for case in CLI_CASES],
)
def test_bad_input_exits_1_with_error_and_hint_and_does_nothing(
    project: Path,
    tmp_path: Path,
    trap: Trap,
    capsys: pytest.CaptureFixture[str],
    overrides: dict[str, str],
    argv: list[str],
    named: str,
) -> None:
    packages_dir = tmp_path / "dist"
    password = register_secret("pypi-cli-bad-input-password")
    environ = _environ(project, packages_dir, trap, password) | overrides
    if "INPUT_PACKAGES-DIR" in overrides:
        packages_dir = project / "dist"  # where a build would land if the value were used

    code = main(["publish", *argv], environ=environ)

    out, err = capsys.readouterr()
    assert code == 1
    error_lines = [line for line in err.splitlines() if line.startswith("error: ")]
    hint_lines = [line for line in err.splitlines() if line.startswith("hint: ")]
    assert error_lines
    assert hint_lines
    assert hint_lines[0].removeprefix("hint: ").strip()
    assert f"'{named}'" in err
    assert "Traceback" not in out + err
    assert not packages_dir.exists() or not any(packages_dir.iterdir())
    assert not (project / "dist").exists()
    assert trap.connections() == 0
    assert_no_secrets(out, err)


def test_under_actions_a_bad_input_is_an_error_annotation(
    project: Path, tmp_path: Path, trap: Trap, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    outputs.touch()
    summary.touch()
    # Not registered: the runner must see it once, in the ::add-mask:: command.
    password = "pypi-cli-masked-first-password"
    environ = _environ(project, tmp_path / "dist", trap, password) | {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_SKIP-EXISTING": "ture",
    }

    code = main([], environ=environ)

    out, err = capsys.readouterr()
    assert code == 1
    # The password is masked before anything else is printed.
    assert out.splitlines()[0] == f"::add-mask::{password}"
    assert out.count(password) == 1
    assert password not in err
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error title=py-release::input 'skip-existing'")
    assert "%0Ahint: " in annotations[0]
    assert "error: input 'skip-existing'" in err
    assert "\nhint: " in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "dist").exists()
    assert trap.connections() == 0
    assert outputs.read_text() == ""


def test_the_trap_does_see_a_connection() -> None:
    """The trap would notice an upload attempt (so its zero above means something)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        trap = Trap(f"http://127.0.0.1:{server.getsockname()[1]}/", server)
        with socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=5):
            pass
        assert trap.connections() == 1
