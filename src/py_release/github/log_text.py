"""Text from outside (file names, metadata, an index's answers, a backend's output) on its way
into the runner's log, made inert: it can never be read as a workflow command.

The runner (actions/runner ``ActionCommand``) splits output into lines at ``\\r``, ``\\n`` and
``\\r\\n``, and takes a line as a command when, after its leading whitespace, it starts with
``::`` and a known command, or when it holds ``##[`` anywhere (the old syntax). So each line
that would start with ``::`` gets a zero-width space between the two colons, and every ``##[``
one between the hashes: invisible in the log, and no longer a command. ``::stop-commands::``
would keep the text as it is, but its token lines would show around every message; and no
library here does this (actions-toolkit's ``info`` prints the text as it is).
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"\r\n|\r|\n")
# What may stand before a command's "::" and be trimmed away: whitespace as Python and .NET
# read it, and the format characters some Unicode versions counted as spaces.
_LEADING = re.compile(r"[\s\u180e\u200b-\u200d\u2060\ufeff]*")
_GUARD = "\u200b"  # ZERO WIDTH SPACE


def _inert_line(line: str) -> str:
    line = line.replace("##[", f"#{_GUARD}#[")
    start = _LEADING.match(line)
    cut = start.end() if start else 0
    if line.startswith("::", cut):
        line = f"{line[:cut]}:{_GUARD}:{line[cut + 2 :]}"
    return line


def inert(text: str) -> str:
    """``text`` with no line the runner would take as a command; line breaks become ``\\n``."""
    return "\n".join(_inert_line(line) for line in _BREAK.split(text))
