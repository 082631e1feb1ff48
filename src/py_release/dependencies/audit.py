"""Look up every audited package's known vulnerabilities, a few at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from py_release.dependencies.declared import Declared, Installed
from py_release.dependencies.findings import (
    UNKNOWN,
    AuditResult,
    KnownVulnerability,
    Scope,
    Unchecked,
)
from py_release.dependencies.service import (
    LOOKUPS_AT_ONCE,
    VulnerabilityDataUnavailable,
    VulnerabilitySource,
)
from py_release.dependencies.versions import newest_allowed

if TYPE_CHECKING:
    from packaging.version import Version
    from pip_audit._service import VulnerabilityResult

_Lookup = tuple[list[KnownVulnerability], list[Unchecked]]


def _scope(declared: Declared) -> tuple[Scope, str]:
    return ("extra", declared.extras[0]) if declared.extras else ("release", "")


def _findings(
    results: Iterable[VulnerabilityResult],
    *,
    package: str,
    version: Version,
    allowed: str,
    scope: Scope,
    extra: str,
    ignore: frozenset[str],
) -> list[KnownVulnerability]:
    found = []
    for result in results:
        ids = {result.id, *result.aliases}
        found.append(
            KnownVulnerability(
                id=result.id,
                aliases=tuple(sorted(result.aliases)),
                package=package,
                version=str(version),
                allowed=allowed,
                scope=scope,
                extra=extra,
                fixed_in=tuple(str(v) for v in result.fix_versions),
                summary=result.description,
                ignored=bool({i.upper() for i in ids} & ignore),
            )
        )
    return found


def _declared(source: VulnerabilitySource, declared: Declared, ignore: frozenset[str]) -> _Lookup:
    scope, extra = _scope(declared)
    name = declared.name
    if declared.requirement.url:
        reason = "a direct URL requirement: no index version to look up"
        return [], [Unchecked(name, scope, reason)]
    try:
        releases = source.releases(name)
        if releases is None:
            return [], [Unchecked(name, scope, "PyPI has no project of that name")]
        version = newest_allowed(releases, declared.requirement.specifier)
        if version is None:
            reason = f"no release on PyPI matches {declared.allowed}"
            return [], [Unchecked(name, scope, reason)]
        results = source.vulnerabilities(name, version)
    except VulnerabilityDataUnavailable as error:
        return [], [Unchecked(name, scope, str(error))]
    if results is None:
        return [], [Unchecked(name, scope, f"{UNKNOWN}{name} {version}")]
    found = _findings(
        results, package=name, version=version, allowed=declared.allowed, scope=scope,
        extra=extra, ignore=ignore,
    )  # fmt: skip
    return found, []


def _installed(source: VulnerabilitySource, package: Installed, ignore: frozenset[str]) -> _Lookup:
    try:
        results = source.vulnerabilities(package.name, package.version)
    except VulnerabilityDataUnavailable as error:
        return [], [Unchecked(package.name, "py-release", str(error))]
    if results is None:
        reason = f"{UNKNOWN}{package.name} {package.version}"
        return [], [Unchecked(package.name, "py-release", reason)]
    found = _findings(
        results, package=package.name, version=package.version, allowed="installed",
        scope="py-release", extra="", ignore=ignore,
    )  # fmt: skip
    return found, []


def _unique(declared: Sequence[Declared]) -> list[Declared]:
    """One lookup per (name, range): a requirement repeated under other markers (one line per
    Python version) resolves alike; its extras are merged, every install's wins."""
    merged: dict[tuple[str, str], Declared] = {}
    for item in declared:
        key = (item.name, str(item.requirement.specifier))
        known = merged.get(key)
        if known is None:
            merged[key] = item
        elif known.extras and item.extras:
            extras = tuple(dict.fromkeys((*known.extras, *item.extras)))
            merged[key] = Declared(known.requirement, extras)
        else:
            merged[key] = Declared(known.requirement, ())
    return list(merged.values())


@dataclass(frozen=True)
class Lookups:
    """What one side's lookups found: the release's requirements, or py-release's packages."""

    vulnerabilities: tuple[KnownVulnerability, ...]
    unchecked: tuple[Unchecked, ...]
    count: int


def _run(jobs: Sequence[Callable[[], _Lookup]], concurrency: int, count: int) -> Lookups:
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="audit") as pool:
        lookups = list(pool.map(lambda job: job(), jobs))
    return Lookups(
        tuple(v for found, _ in lookups for v in found),
        tuple(u for _, missed in lookups for u in missed),
        count,
    )


def look_up_declared(
    source: VulnerabilitySource,
    declared: Sequence[Declared],
    *,
    ignore: Iterable[str],
    concurrency: int = LOOKUPS_AT_ONCE,
) -> Lookups:
    """Each declared requirement, once per (name, range), ``concurrency`` at a time."""
    ignored = frozenset(i.upper() for i in ignore)
    release = _unique(declared)
    jobs = [lambda d=d: _declared(source, d, ignored) for d in release]
    return _run(jobs, concurrency, len(release))


def look_up_installed(
    source: VulnerabilitySource,
    installed: Sequence[Installed],
    *,
    ignore: Iterable[str],
    concurrency: int = LOOKUPS_AT_ONCE,
) -> Lookups:
    """Each installed package at its version, ``concurrency`` at a time."""
    ignored = frozenset(i.upper() for i in ignore)
    jobs = [lambda p=p: _installed(source, p, ignored) for p in installed]
    return _run(jobs, concurrency, len(installed))


def audit_result(release: Lookups, own: Lookups, ignore: Iterable[str]) -> AuditResult:
    return AuditResult(
        vulnerabilities=release.vulnerabilities + own.vulnerabilities,
        unchecked=release.unchecked + own.unchecked,
        release_count=release.count,
        own_count=own.count,
        ignore=tuple(ignore),
    )


def audit_packages(
    source: VulnerabilitySource,
    declared: Sequence[Declared],
    installed: Sequence[Installed],
    *,
    ignore: Iterable[str],
    concurrency: int = LOOKUPS_AT_ONCE,
) -> AuditResult:
    """Every declared requirement and installed package looked up, ``concurrency`` at a time."""
    release = look_up_declared(source, declared, ignore=ignore, concurrency=concurrency)
    own = look_up_installed(source, installed, ignore=ignore, concurrency=concurrency)
    return audit_result(release, own, ignore)
