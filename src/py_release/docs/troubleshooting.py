"""The README's troubleshooting section, generated from the error classes and their raise sites.

``python -m py_release.docs.troubleshooting`` rewrites the part of README.md between
``<!-- troubleshooting:start -->`` and ``<!-- troubleshooting:end -->``; ``--check`` only says
whether it is up to date (exit 1 when not).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from py_release.docs.raise_sites import (
    ErrorClass,
    Site,
    all_sites,
    error_classes,
    package_modules,
    problem_sites,
)
from py_release.docs.templates import OTHERWISE, Case, Template, has_words, merge_cases

START = "<!-- troubleshooting:start -->"
END = "<!-- troubleshooting:end -->"
COMMAND = "python -m py_release.docs.troubleshooting"
README = Path(__file__).resolve().parents[3] / "README.md"

INTRODUCTION = f"""\
<!-- Generated from the error classes and their raise sites by `{COMMAND}`; do not edit. -->

Every failure you can fix stops the run with two lines: `error:` says what went wrong, `hint:`
how to fix it (on GitHub, also an error annotation). The exit code is then 1. Exit code 2 is a
usage error or a bug in py-release; the log then holds a short traceback to report. Below is
every error, what it means, and each message it prints with its fix. `<name>` stands for a
value known only when it happens. Where a fix depends on the case, the case is named after the
message."""


def render_section(modules: Sequence[ModuleType] | None = None) -> str:
    """The Markdown between the markers (without them), for ``modules`` (default: py_release)."""
    modules = package_modules() if modules is None else modules
    sites = all_sites(modules)
    classes = error_classes(modules, sites)
    problems = problem_sites(sites)
    blocks = [INTRODUCTION]
    for error_class in classes:
        blocks.append(_class_block(error_class, problems))
    return "\n\n".join(blocks) + "\n"


def _class_block(error_class: ErrorClass, problems: Sequence[Site]) -> str:
    name = error_class.error.__name__
    lines = [f"### `{name}`", "", _prose(error_class.doc) or "(no docstring)"]
    if error_class.subclasses:
        listed = ", ".join(_link(sub.__name__) for sub in error_class.subclasses)
        lines += ["", f"More specific errors of this kind: {listed}."]
    listed_type = error_class.aggregates
    if listed_type is not None:
        lines += ["", *_aggregate_lines(listed_type, problems)]
    elif error_class.sites:
        lines += ["", *_table(error_class.sites)]
    elif error_class.subclasses:
        lines += ["", "Not raised itself: a base class for the errors above."]
    else:
        lines += ["", "No raise site found in the code."]
    return "\n".join(lines)


def _aggregate_lines(listed_type: type, problems: Sequence[Site]) -> list[str]:
    name = listed_type.__name__
    if listed_type.__name__ != "Problem":
        return [
            f"Lists every {_link(name)} at once, one line each, and the fix of each in the hint."
        ]
    return [
        "Lists every problem at once, one line each (`<file>: <problem>`), and the fix of each "
        "in the hint:",
        "",
        *_table(problems),
    ]


def _table(sites: Sequence[Site]) -> list[str]:
    rows = ["| Message | Fix |", "|---|---|"]
    for message, fix in dict.fromkeys(_rows(sites)):
        rows.append(f"| {message} | {fix} |")
    return rows


def _rows(sites: Sequence[Site]) -> list[tuple[str, str]]:
    rows = []
    for site in sites:
        for message in site.messages or (Template("<message>"),):
            for hint in site.hints or (Template(""),):
                cases = merge_cases([*message.when, *hint.when])
                if cases is None:  # the message and the hint are for different cases
                    continue
                shown = cell(message.text)
                if cases:
                    shown += " — " + _cases(cases)
                rows.append((shown, _fix(hint)))
    return rows


def _fix(hint: Template) -> str:
    if has_words(hint.text):
        return cell(hint.text)
    # Nothing but values known at run time: say where the fix is printed.
    computed = f", worked out when it happens ({hint.text})" if hint.text else ""
    return cell(f"the fix is printed on the `hint:` line{computed}")


def _cases(cases: Sequence[Case]) -> str:
    named = [value for _, value in cases if value != OTHERWISE]
    if not named:
        return "any other case"
    return "for " + ", ".join(f"`{cell_code(value)}`" for value in named)


def _link(name: str) -> str:
    return f"[`{name}`](#{name.lower()})"


def _prose(doc: str) -> str:
    """A docstring as one Markdown paragraph: reST ``code`` becomes `code`."""
    return " ".join(doc.split()).replace("``", "`")


def cell(text: str) -> str:
    """``text`` as one Markdown table cell: `code` spans kept, everything else escaped."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code spans
        return "\\`".join(_plain(piece) for piece in pieces)
    return "".join(
        f"`{cell_code(piece)}`" if index % 2 else _plain(piece)
        for index, piece in enumerate(pieces)
    )


def cell_code(text: str) -> str:
    """The inside of a code span in a table cell: only ``|`` needs escaping there."""
    return text.replace("|", "\\|").replace("\n", " ")


def _plain(text: str) -> str:
    escaped = re.sub(r"([\\*_\[\]])", r"\\\1", text)
    escaped = html.escape(escaped, quote=False).replace("|", "\\|")
    first, *rest = escaped.split("\n")
    lines = [first]
    for line in rest:  # keep the indentation of a multi-line hint (YAML, a claims table)
        stripped = line.lstrip(" ")
        lines.append("&nbsp;" * (len(line) - len(stripped)) + stripped)
    return "<br>".join(lines)


def replace_section(readme: str, section: str) -> str:
    """``readme`` with ``section`` between the markers; ValueError when they are missing."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {START} ... {END} block")
    return readme[: start + len(START)] + "\n" + section + readme[end:]


def section_of(readme: str) -> str:
    """What stands between the markers now."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {START} ... {END} block")
    return readme[start + len(START) + 1 : end]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    readme = args.readme.read_text(encoding="utf-8")
    updated = replace_section(readme, render_section())
    if updated == readme:
        print(f"{args.readme}: the troubleshooting section is up to date")
        return 0
    if args.check:
        print(f"{args.readme}: the troubleshooting section is out of date; run {COMMAND}")
        return 1
    args.readme.write_text(updated, encoding="utf-8")
    print(f"{args.readme}: troubleshooting section rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
