"""What is audited: the release's runtime requirements (the wheel's Requires-Dist, each extra's
marked as such) and the packages py-release itself runs with."""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import Metadata
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# "extra == 'socks'" in a marker; the only way a Requires-Dist line says which extra it is for.
_EXTRA = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Declared:
    """One Requires-Dist line of the release: what its users' installers will choose from."""

    requirement: Requirement
    # The extras whose marker names it; empty for a dependency every install gets.
    extras: tuple[str, ...]

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def allowed(self) -> str:
        """The range as written (``>=2,<3``), or "any version"."""
        return str(self.requirement.specifier) or "any version"


@dataclass(frozen=True)
class Installed:
    """A package at the exact version py-release runs with."""

    name: str
    version: Version


def declared_requirements(wheel: Path) -> tuple[Declared, ...]:
    """The wheel's Requires-Dist, in its order; a direct URL requirement is kept (it names no
    range the index resolves, and is reported as such)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(
            (n for n in archive.namelist() if n.count("/") == 1
             and n.endswith(".dist-info/METADATA")),
            None,
        )  # fmt: skip
        if name is None:
            return ()
        raw = archive.read(name)
    metadata = Metadata.from_email(raw, validate=False)
    declared = []
    for requirement in metadata.requires_dist or ():
        extras = tuple(dict.fromkeys(_EXTRA.findall(str(requirement.marker or ""))))
        declared.append(Declared(requirement, extras))
    return tuple(declared)


# The action's lock, in a checkout of this repository: the action and the container run
# py-release from its source folder (a .pth file), installed from this lock with --no-deps.
ACTION_LOCK = Path(__file__).resolve().parents[3] / "requirements" / "action.lock"


def lock_pins(lock: Path) -> list[tuple[str, str]]:
    """The (name, version) pins of a hash-pinned lock, markers and all."""
    pins = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith((" ", "#", "-")) or "==" not in line:
            continue
        requirement = line.split(";", 1)[0].split("\\", 1)[0].strip()
        name, _, version = requirement.partition("==")
        pins.append((name.split("[", 1)[0].strip(), version.strip()))
    return pins


def installed_closure(root: str = "py-release") -> tuple[Installed, ...]:
    """The packages py-release runs with here, at their installed versions. Installed as a
    distribution (``pip install py-release``): every distribution it needs, directly or not,
    extras asked for (``build[uv]``) included. Run from its source folder (the action, the
    container): what its lock pins and is installed here."""
    try:
        importlib.metadata.distribution(root)
    except importlib.metadata.PackageNotFoundError:
        return _locked_and_installed(ACTION_LOCK)
    return _closure(root)


def _locked_and_installed(lock: Path) -> tuple[Installed, ...]:
    if not lock.is_file():
        return ()
    found: dict[str, Installed] = {}
    for name, _ in lock_pins(lock):
        try:
            version = Version(importlib.metadata.version(name))
        except (importlib.metadata.PackageNotFoundError, InvalidVersion):
            continue  # pinned for another platform (a marker), not installed here
        found[canonicalize_name(name)] = Installed(canonicalize_name(name), version)
    return tuple(sorted(found.values(), key=lambda i: i.name))


def _closure(root: str) -> tuple[Installed, ...]:
    seen: dict[str, Installed] = {}
    visited: set[tuple[str, str]] = set()
    pending: list[tuple[str, str]] = [(root, "")]
    while pending:
        name, extra = pending.pop()
        name = canonicalize_name(name)
        if (name, extra) in visited:
            continue
        visited.add((name, extra))
        try:
            dist = importlib.metadata.distribution(name)
            version = Version(dist.version)
        except (importlib.metadata.PackageNotFoundError, InvalidVersion):
            continue
        seen[name] = Installed(name, version)
        pending.extend(_needed(dist.requires or (), extra))
    seen.pop(canonicalize_name(root), None)
    return tuple(sorted(seen.values(), key=lambda i: i.name))


def _needed(lines: Iterable[str], extra: str) -> list[tuple[str, str]]:
    """The (name, extra) pairs the Requires-Dist ``lines`` need with ``extra`` chosen ("" for
    none), their markers evaluated as the running interpreter sees them."""
    needed = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
            needed.append((requirement.name, ""))
            needed.extend((requirement.name, e) for e in sorted(requirement.extras))
    return needed
