"""The vulnerability data the warehouse stand-in serves in its JSON API, as PyPI does from the
PyPA advisory database, seeded from a file; and the projects PyPI knows but the stand-in holds
no files of (the release's dependencies, py-release's own packages), so an audit in a
rehearsal finds them.

The seed file is JSON::

    {"projects": {"name": {"versions": ["1.0", "2.0"], "yanked": ["1.1"],
                           "vulnerabilities": [{"id": "PYSEC-...", "aliases": ["CVE-..."],
                                                "summary": "...", "details": "...",
                                                "affected": "<2.0", "fixed_in": ["2.0"]}]}}}

``affected`` is a version specifier: the versions the advisory applies to, which PyPI's JSON API
reports it for. A project of the seed with no ``versions`` is an advisory for a project the
stand-in holds (one uploaded to it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# What the sandbox serves unless told another file: one made-up project with one made-up
# advisory, so a rehearsal can show a finding by depending on it.
DEFAULT_SEED = Path(__file__).with_name("advisories.json")


class SeedError(ValueError):
    """The seed file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    affected: SpecifierSet
    fixed_in: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """As PyPI's JSON API lists it under ``vulnerabilities``."""
        return {
            "aliases": list(self.aliases),
            "details": self.details,
            "summary": self.summary,
            "fixed_in": list(self.fixed_in),
            "id": self.id,
            "link": f"https://osv.dev/vulnerability/{self.id}",
            "source": "osv",
            "withdrawn": None,
        }


@dataclass(frozen=True)
class KnownProject:
    """A project PyPI has, whose files the stand-in does not hold."""

    name: str
    versions: tuple[str, ...]
    yanked: frozenset[str] = frozenset()


@dataclass
class Advisories:
    projects: dict[str, KnownProject] = field(default_factory=dict)  # normalised name ->
    advisories: dict[str, list[Advisory]] = field(default_factory=dict)  # normalised name ->

    def affecting(self, project: str, version: str) -> list[Advisory]:
        try:
            parsed = Version(version)
        except InvalidVersion:
            return []
        found = self.advisories.get(canonicalize_name(project), [])
        return [a for a in found if a.affected.contains(parsed, prereleases=True)]

    def know(self, name: str, versions: Iterable[str]) -> None:
        """Add ``versions`` of ``name`` to what the stand-in knows PyPI has."""
        key = canonicalize_name(name)
        known = self.projects.get(key)
        merged = tuple(dict.fromkeys((*(known.versions if known else ()), *versions)))
        self.projects[key] = KnownProject(
            known.name if known else name, merged, known.yanked if known else frozenset()
        )


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise SeedError(f"{where}: {key} is not text")
    return value


def _texts(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where}: {key} is not a list of text")
    return tuple(value)


def _advisory(entry: object, where: str) -> Advisory:
    if not isinstance(entry, dict):
        raise SeedError(f"{where} is not an object")
    identifier = _text(entry, "id", where)
    if not identifier:
        raise SeedError(f"{where} has no id")
    try:
        affected = SpecifierSet(_text(entry, "affected", where))
    except InvalidSpecifier as error:
        raise SeedError(f"{where}: affected is not a version specifier: {error}") from None
    return Advisory(
        id=identifier,
        aliases=_texts(entry, "aliases", where),
        summary=_text(entry, "summary", where),
        details=_text(entry, "details", where),
        affected=affected,
        fixed_in=_texts(entry, "fixed_in", where),
    )


def read_seed(path: Path) -> Advisories:
    """The seed file at ``path``; raises ``SeedError`` naming what is wrong in it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SeedError(f"{path}: {error}") from None
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, dict):
        raise SeedError(f"{path}: no 'projects' object")
    seeded = Advisories()
    for name, entry in projects.items():
        where = f"{path}: projects.{name}"
        if not isinstance(entry, dict):
            raise SeedError(f"{where} is not an object")
        key = canonicalize_name(name)
        versions = _texts(entry, "versions", where)
        if versions:
            seeded.projects[key] = KnownProject(
                name, versions, frozenset(_texts(entry, "yanked", where))
            )
        listed = entry.get("vulnerabilities", [])
        if not isinstance(listed, list):
            raise SeedError(f"{where}: vulnerabilities is not a list")
        seeded.advisories[key] = [
            _advisory(item, f"{where}.vulnerabilities[{i}]") for i, item in enumerate(listed)
        ]
    return seeded


def with_environment(advisories: Advisories, lock: Path | None = None) -> Advisories:
    """``advisories``, knowing also the packages py-release runs with here and those its lock
    pins: the action under act runs from the lock, the sandbox from this environment, and PyPI
    has both."""
    from py_release.dependencies.declared import installed_closure, lock_pins

    for package in installed_closure():
        advisories.know(package.name, [str(package.version)])
    if lock is not None and lock.is_file():
        for name, version in lock_pins(lock):
            advisories.know(name, [version])
    return advisories
