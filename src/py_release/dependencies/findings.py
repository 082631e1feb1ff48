"""What the audit found: each known vulnerability of an audited package, and each package it
could not check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Who the package is audited for: the release's users (every install, or one extra's) or
# py-release itself, the program that holds the publishing credentials.
Scope = Literal["release", "extra", "py-release"]

# How a reason says that PyPI's JSON API has no such version (a 404).
UNKNOWN = "PyPI does not know "

# A vulnerability id as advisory databases write them, the identifiers OSV links to
# (PYSEC-2024-1, GHSA-xxxx-xxxx-xxxx, CVE-2024-1234, ...). From an index, an id in any other
# shape is shown as text, never made a link; audit-ignore takes the shape in any case.
VULNERABILITY_ID = r"^[A-Z][A-Z0-9]{1,15}-[A-Za-z0-9][A-Za-z0-9._:-]{0,60}$"
_LINKABLE_ID = re.compile(VULNERABILITY_ID)


@dataclass(frozen=True)
class KnownVulnerability:
    id: str
    aliases: tuple[str, ...]
    package: str
    # The version audited: the newest the release's range allows, or the one py-release runs.
    version: str
    # The range the release declares (``>=2,<3``), or "installed" for py-release's own.
    allowed: str
    scope: Scope
    # The extra that asks for it, for scope "extra".
    extra: str
    fixed_in: tuple[str, ...]
    summary: str
    # In audit-ignore (by its id or an alias): listed, never failing the release.
    ignored: bool = False

    @property
    def link(self) -> str | None:
        return f"https://osv.dev/vulnerability/{self.id}" if _LINKABLE_ID.match(self.id) else None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))

    @property
    def who(self) -> str:
        """For whom, in words: "the release", "the release's extra 'socks'", "py-release"."""
        if self.scope == "extra":
            return f"the release's extra '{self.extra}'"
        return "the release" if self.scope == "release" else "py-release"


@dataclass(frozen=True)
class Unchecked:
    """A package the audit could not check, and why."""

    package: str
    scope: Scope
    reason: str


@dataclass(frozen=True)
class AuditResult:
    vulnerabilities: tuple[KnownVulnerability, ...]
    unchecked: tuple[Unchecked, ...]
    # How many packages were audited, per side.
    release_count: int
    own_count: int
    # audit-ignore as given, for the summary.
    ignore: tuple[str, ...] = ()

    @property
    def failing(self) -> tuple[KnownVulnerability, ...]:
        return tuple(v for v in self.vulnerabilities if not v.ignored)
