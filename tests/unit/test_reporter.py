"""The reporters: GitHub's workflow commands and file commands, and plain terminal lines.

Values shown masked here are deliberately not registered with ``tests.secrets_registry``: the
runner must see them once, in the ``::add-mask::`` command.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from py_release.github.runner import SUMMARY_LIMIT, ActionsReporter
from py_release.reporter import TerminalReporter, reporter_from_environ
from py_release.secrets import Secret

DELIMITER = re.compile(
    r"^ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


def parse_file_command(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file the way the runner does (``name=value`` or a heredoc)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].removesuffix("\r")
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            values[line[:equals]] = line[equals + 1 :]
            continue
        assert heredoc > 0, f"invalid line {line!r}"
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        body: list[str] = []
        while True:
            assert index < len(lines), f"no closing delimiter for {name}"
            current = lines[index].removesuffix("\r")
            index += 1
            if current == delimiter:
                break
            body.append(current)
        values[name] = "\n".join(body)
    return values


def _actions(
    tmp_path: Path, *, verbose: bool = True, echo_summary: bool = False
) -> ActionsReporter:
    return ActionsReporter(
        verbose=verbose,
        output_path=tmp_path / "outputs",
        summary_path=tmp_path / "summary.md",
        echo_summary=echo_summary,
    )


def test_set_output_writes_githubs_heredoc_format(tmp_path: Path) -> None:
    reporter = _actions(tmp_path)
    files_json = '[{"name": "a-1.0.tar.gz", "status": "would upload"}]'
    multi_line = "line one\nline 2 with 100% and %0A and ::warning::\n\n  indented = value"
    reporter.set_output("files", files_json)
    reporter.set_output("notes", multi_line)
    reporter.set_output("empty", "")

    text = (tmp_path / "outputs").read_text(encoding="utf-8")
    lines = text.split("\n")
    heads = [line for line in lines if "<<" in line]
    assert [head.split("<<")[0] for head in heads] == ["files", "notes", "empty"]
    delimiters = [head.split("<<", 1)[1] for head in heads]
    assert all(DELIMITER.match(delimiter) for delimiter in delimiters)
    assert len(set(delimiters)) == 3, "a fresh random delimiter per value"
    # Each value ends at its own delimiter line.
    assert lines[lines.index(heads[0]) + 1] == files_json
    assert lines[lines.index(heads[0]) + 2] == delimiters[0]
    # Read back as the runner does: the value is intact, not percent-encoded.
    assert parse_file_command(text) == {"files": files_json, "notes": multi_line, "empty": ""}
    assert "%25" not in text


def test_set_output_appends_to_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "outputs").write_text("earlier=1\n", encoding="utf-8")
    reporter = _actions(tmp_path)
    reporter.set_output("version", "1.0.0")
    assert parse_file_command((tmp_path / "outputs").read_text()) == {
        "earlier": "1",
        "version": "1.0.0",
    }


def test_set_output_without_a_file_logs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = ActionsReporter(
        verbose=True, output_path=None, summary_path=None, echo_summary=False
    )
    reporter.set_output("version", "1.0.0")
    assert capsys.readouterr().out == "output version=1.0.0\n"


def test_mask_announces_then_hides_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    value = "pypi-mask-me-0123456789"
    reporter = _actions(tmp_path, echo_summary=True)
    reporter.mask(Secret(value))
    reporter.info(f"token is {value}.")
    reporter.detail(f"detail {value}")
    reporter.warning(f"warn {value}", title=f"title {value}")
    reporter.error(f"error {value}")
    reporter.fail(f"failed with {value}", f"hint {value}")
    with reporter.group(f"group {value}"):
        pass
    reporter.set_output("leaky", f"value {value}")
    reporter.write_summary(f"# summary {value}\n")

    out, err = capsys.readouterr()
    assert out.startswith(f"::add-mask::{value}\n")
    assert out.count(value) == 1, "only the ::add-mask:: command holds the value"
    assert value not in err
    assert "token is ***." in out
    assert "detail ***" in out
    assert "::warning title=title ***::warn ***" in out
    assert "::error::error ***" in out
    assert "::group::group ***" in out
    assert "error: failed with ***\nhint: hint ***" in err
    outputs = (tmp_path / "outputs").read_text()
    summary = (tmp_path / "summary.md").read_text()
    assert value not in outputs
    assert value not in summary
    assert parse_file_command(outputs) == {"leaky": "value ***"}
    assert summary == "# summary ***\n"


def test_mask_a_multi_line_secret_line_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path)
    reporter.mask(Secret("first-line-abc\n\nsecond-line-def\n"))
    assert capsys.readouterr().out == "::add-mask::first-line-abc\n::add-mask::second-line-def\n"


def test_mask_an_empty_secret_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path)
    reporter.mask(Secret(""))
    reporter.info("nothing hidden here")
    assert capsys.readouterr().out == "nothing hidden here\n"


def test_the_longer_secret_is_replaced_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path)
    reporter.mask(Secret("abcd"))
    reporter.mask(Secret("abcdefgh"))
    capsys.readouterr()
    reporter.info("abcdefgh abcd")
    assert capsys.readouterr().out == "*** ***\n"


@pytest.mark.parametrize(
    ("kind", "message", "title", "line"),
    [
        ("warning", "one\ntwo", "T", "::warning title=T::one%0Atwo"),
        ("warning", "plain", None, "::warning::plain"),
        ("warning", "100% sure\r\n", "a: b, c", "::warning title=a%3A b%2C c::100%25 sure%0D%0A"),
        ("error", "broke\nbadly", "py-release", "::error title=py-release::broke%0Abadly"),
        ("error", "no title", None, "::error::no title"),
    ],
    ids=["warning-title-newline", "warning-no-title", "escapes", "error-title", "error-no-title"],
)
def test_annotations(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    message: str,
    title: str | None,
    line: str,
) -> None:
    reporter = _actions(tmp_path)
    getattr(reporter, kind)(message, title=title)
    out = capsys.readouterr().out
    assert out == line + "\n"
    # Never an empty property such as file=,line=.
    assert "=," not in out
    assert not re.search(r"\w+=(,|::)", out)


def test_fail_annotates_and_prints_error_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path)
    reporter.fail("the index said no", "check the password")
    out, err = capsys.readouterr()
    assert out == "::error title=py-release::the index said no%0Ahint: check the password\n"
    assert err == "error: the index said no\nhint: check the password\n"


def test_group_brackets_its_lines_even_on_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path)
    with reporter.group("Build"):
        reporter.info("building")
    with pytest.raises(RuntimeError), reporter.group("Upload"):
        raise RuntimeError
    assert capsys.readouterr().out.splitlines() == [
        "::group::Build",
        "building",
        "::endgroup::",
        "::group::Upload",
        "::endgroup::",
    ]


def test_detail_is_debug_when_not_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _actions(tmp_path, verbose=False).detail("fine print")
    _actions(tmp_path, verbose=True).detail("big print")
    assert capsys.readouterr().out.splitlines() == ["::debug::fine print", "big print"]


def test_summary_goes_to_the_file_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reporter = _actions(tmp_path, echo_summary=False)
    reporter.write_summary("# Release\n\n| a | b |\n")
    reporter.write_summary("no newline at the end")
    assert (tmp_path / "summary.md").read_text() == (
        "# Release\n\n| a | b |\nno newline at the end\n"
    )
    assert capsys.readouterr().out == ""


def test_echo_summary_prints_it_in_a_group_under_act(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = _actions(tmp_path, echo_summary=True)
    reporter.write_summary("# Release\n\ndone\n")
    assert (tmp_path / "summary.md").read_text() == "# Release\n\ndone\n"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::group::")
    assert "act" in lines[0]
    assert lines[1:4] == ["# Release", "", "done"]
    assert lines[-1] == "::endgroup::"


def test_without_a_summary_file_the_summary_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = ActionsReporter(
        verbose=True, output_path=None, summary_path=None, echo_summary=False
    )
    reporter.write_summary("# Release\n")
    out = capsys.readouterr().out
    assert out.startswith("::group::")
    assert "# Release" in out


def test_a_summary_over_1_mib_is_cut(tmp_path: Path) -> None:
    reporter = _actions(tmp_path)
    # Two-byte characters, so a naive cut could split one.
    reporter.write_summary("# Big\n\n" + "é" * (SUMMARY_LIMIT))
    data = (tmp_path / "summary.md").read_bytes()
    assert len(data) <= 1024 * 1024
    text = data.decode("utf-8")  # still valid UTF-8
    assert text.startswith("# Big\n\né")
    assert "cut" in text.splitlines()[-1]
    assert "1 MiB" in text.splitlines()[-1]


def test_a_summary_under_the_limit_is_kept_whole(tmp_path: Path) -> None:
    reporter = _actions(tmp_path)
    markdown = "x" * (SUMMARY_LIMIT - 1) + "\n"
    reporter.write_summary(markdown)
    assert (tmp_path / "summary.md").read_text() == markdown


def test_terminal_fail_prints_error_and_hint_lines() -> None:
    err, out = io.StringIO(), io.StringIO()
    reporter = TerminalReporter(verbose=True, out=out, err=err)
    reporter.fail("input 'verbose': 'x' is not a boolean", "set verbose to true or false")
    assert err.getvalue() == (
        "error: input 'verbose': 'x' is not a boolean\nhint: set verbose to true or false\n"
    )
    assert out.getvalue() == ""


def test_terminal_reporter_lines_and_masking() -> None:
    err, out = io.StringIO(), io.StringIO()
    reporter = TerminalReporter(verbose=False, out=out, err=err)
    reporter.mask(Secret("terminal-secret-value"))
    reporter.info("using terminal-secret-value")
    reporter.detail("hidden when not verbose")
    reporter.warning("careful", title="packages-dir")
    reporter.error("broken")
    with reporter.group("Build"):
        reporter.info("inside")
    reporter.set_output("token", "terminal-secret-value")
    reporter.write_summary("# Summary terminal-secret-value")
    assert err.getvalue().splitlines() == [
        "using ***",
        "warning: packages-dir: careful",
        "error: broken",
        "== Build",
        "inside",
    ]
    assert out.getvalue() == "# Summary ***\n"
    assert reporter.outputs == {"token": "***"}


def test_reporter_from_environ(tmp_path: Path) -> None:
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    actions = reporter_from_environ(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(summary),
            "ACT": "true",
        },
        verbose=False,
    )
    assert isinstance(actions, ActionsReporter)
    assert actions.output_path == outputs
    assert actions.summary_path == summary
    assert actions.echo_summary
    assert not actions.verbose
    on_github = reporter_from_environ({"GITHUB_ACTIONS": "true"}, verbose=True)
    assert isinstance(on_github, ActionsReporter)
    assert on_github.output_path is None
    assert not on_github.echo_summary
    assert isinstance(reporter_from_environ({}, verbose=True), TerminalReporter)
    assert isinstance(
        reporter_from_environ({"GITHUB_ACTIONS": "false"}, verbose=True), TerminalReporter
    )


def test_a_one_character_password_does_not_corrupt_the_outputs(tmp_path: Path) -> None:
    import json

    reporter = _actions(tmp_path)
    reporter.mask(Secret("0"))
    files = json.dumps([{"name": "x-1.0.0.tar.gz", "size": 1024}])
    reporter.set_output("files", files)

    written = parse_file_command((tmp_path / "outputs").read_text())
    assert json.loads(written["files"]) == json.loads(files)
