"""Text from outside never becomes a workflow command in the log: each hostile string, printed
through every kind of line the Actions reporter writes, is read back as the runner reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_release.github.log_text import inert
from py_release.github.runner import ActionsReporter
from tests.workflow_commands import commands_in, unintended

HOSTILE = [
    "::set-output name=version::6.6.6",
    "  ::add-mask::1.0.0",
    "\t::stop-commands::abc",
    "ok\n::set-env name=PYTHONPATH::/tmp/evil",
    "ok\r::add-mask::1.0.0",
    "ok\r\n::add-path::/tmp/evil",
    "name ##[add-mask]1.0.0",
    "##[set-output name=version;]6.6.6",
    "\u00a0::save-state name=x::y",
    "\u2003::echo::on",
    "\u2029::add-matcher::m.json",
    "::error::forged\n::endgroup::",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_inert_text_holds_no_command(text: str) -> None:
    assert commands_in(text), "the case must be a command as it stands"
    assert commands_in(inert(text)) == []


def test_inert_leaves_ordinary_text_alone() -> None:
    text = "py_release_sample-1.0.0.tar.gz: sha256 ab:cd, see https://example.com/a::b"
    assert inert(text) == text
    assert inert("a\r\nb\rc") == "a\nb\nc"


@pytest.mark.parametrize("text", HOSTILE)
def test_no_line_the_reporter_writes_is_a_command_it_did_not_mean(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = ActionsReporter(
        verbose=True, output_path=None, summary_path=tmp_path / "summary", echo_summary=True
    )
    reporter.info(text)
    reporter.detail(text)
    reporter.warning(text, title=text)
    reporter.error(text, title=text)
    reporter.fail(text, text)
    with reporter.group(text):
        reporter.info(text)
    reporter.write_summary(text)

    out, err = capsys.readouterr()
    assert unintended(out) == []
    assert unintended(err) == []
    # Only the commands it sent: the annotations and the groups.
    names = [c.name for c in commands_in(out)]
    assert names.count("warning") == 1
    assert names.count("error") == 2
    assert names.count("group") == names.count("endgroup") == 2


def test_a_console_without_the_guard_character_gets_an_escape_not_a_crash() -> None:
    import subprocess
    import sys

    code = (
        "from py_release.cli import _tolerant_streams\n"
        "from py_release.github.log_text import inert\n"
        "_tolerant_streams()\n"
        "print(inert('::add-mask::1.0.0'))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env={"PYTHONIOENCODING": "cp1252", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == b":\\u200b:add-mask::1.0.0\n"
