"""What a checklist item reports: a finding with its level and fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str
    fix: str
    line: int | None = None


def or_pass(findings: list[Finding], check: str, message: str) -> list[Finding]:
    """The findings, or a single pass saying what was found right."""
    return findings or [Finding(check, "pass", message, "")]
