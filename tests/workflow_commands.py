"""The workflow commands a GitHub runner would find in captured output, read as the runner
reads them (actions/runner ``ActionCommand`` and ``ActionCommandManager``): lines split at
``\\r``, ``\\n`` and ``\\r\\n``; a line is a command when, after its leading whitespace, it
starts with ``::name`` up to the next ``::``, or holds ``##[name ...]`` anywhere; nothing counts
between ``::stop-commands::TOKEN`` and ``::TOKEN::``."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

REGISTERED = {
    "debug", "notice", "warning", "error", "group", "endgroup", "add-mask", "stop-commands",
    "echo", "add-matcher", "remove-matcher", "set-output", "save-state", "set-env", "add-path",
}  # fmt: skip
# What py-release itself sends.
OURS = {"debug", "notice", "warning", "error", "group", "endgroup", "add-mask"}


@dataclass(frozen=True)
class Command:
    name: str
    data: str
    line: str


def _v2(line: str, registered: set[str]) -> Command | None:
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    name = text[2:end].split(" ", 1)[0]
    return Command(name, text[end + 2 :], line) if name in registered else None


def _v1(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    name = line[start + 3 : end].split(" ", 1)[0]
    return Command(name, line[end + 1 :], line) if name in registered else None


def commands_in(output: str) -> list[Command]:
    registered = set(REGISTERED)
    found: list[Command] = []
    stop_token = ""
    for line in re.split(r"\r\n|\r|\n", output):
        command = _v2(line, registered) or _v1(line, registered)
        if command is None:
            continue
        if stop_token:
            if command.name.lower() == stop_token.lower():
                registered.discard(stop_token)
                stop_token = ""
            continue
        if command.name == "stop-commands":
            stop_token = command.data
            registered.add(stop_token)
        found.append(command)
    return found


def unintended(output: str, masked: Collection[str] = ()) -> list[Command]:
    """Commands py-release did not mean to send: any name it never sends, and masks of values
    that are not the secrets given."""
    return [
        c for c in commands_in(output)
        if c.name not in OURS or (c.name == "add-mask" and c.data not in masked)
    ]  # fmt: skip


def password_masks(password: str, *users: str) -> set[str]:
    """What py-release masks for a password: the password, and the HTTP Basic credentials of
    the default user and of each user given."""
    import base64

    return {password} | {
        base64.b64encode(f"{user}:{password}".encode()).decode() for user in ("__token__", *users)
    }
