"""The audit stage: after the check, before anything is signed or uploaded, the release's
dependencies and py-release's own are looked up for known vulnerabilities.

The release's side is what its users' installers will choose: for each Requires-Dist line of
its wheels, the newest release on PyPI the range allows. A range whose newest version is
vulnerable is one its users cannot avoid by upgrading (an upper bound keeps out the fix, or no
fix exists); a lower bound that still lets an old vulnerable version in is the installing
environment's to audit, and is not reported. py-release's side is every package it runs with,
at its installed version: it is the program that holds the publishing credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from py_release.dependencies.declared import Declared, declared_requirements
from py_release.dependencies.findings import UNKNOWN, AuditResult, KnownVulnerability, Unchecked
from py_release.dependencies.sbom import write_sbom
from py_release.errors import ReleaseError

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan
    from py_release.reporter import Reporter

# Unchecked packages named one by one in the log, before "and N more".
_NAMED = 10
# More packages than this unknown to PyPI, and none known: its JSON API is not what answers.
_UNKNOWN_TO_ALL = 3


class VulnerableDependencies(ReleaseError):
    """``audit: error`` and a dependency of the release (or of py-release) has a known
    vulnerability at the version its users (or this run) get.

    Fix: raise the range to a fixed version, update py-release, or list the id in
    ``audit-ignore`` after reading the advisory.
    """


def _release_requirements(plan: Plan) -> tuple[Declared, ...]:
    """Requires-Dist of every wheel (platform wheels may differ), each line once."""
    seen: dict[str, Declared] = {}
    for dist in plan.dists:
        if dist.kind == "wheel":
            for declared in declared_requirements(dist.path):
                seen.setdefault(str(declared.requirement), declared)
    return tuple(seen.values())


def audit_stage(plan: Plan, env: Environment) -> Plan:
    # Read from the wheels once: the SBOM lists them, the audit looks them up.
    declared = _release_requirements(plan)
    plan = _with_sbom(plan, env, declared)
    config = env.config
    if config.audit == "off":
        return plan.with_stage("audit", "skipped", "audit is off")
    routes = config.sandbox
    if routes.active and not routes.pypi:
        env.reporter.warning(
            "the audit is skipped: this rehearsal has no PyPI stand-in, and nothing goes to "
            "the real PyPI while the sandbox is in effect",
            title="audit",
        )
        return plan.with_stage("audit", "incomplete", "no PyPI stand-in in this rehearsal")
    # pip-audit and requests load only when the audit runs (its import runs `pip --version`).
    import requests

    from py_release.dependencies.ahead import own_lookups, stand_in_origin
    from py_release.dependencies.audit import audit_result, look_up_declared
    from py_release.dependencies.service import vulnerability_source

    has_wheel = any(d.kind == "wheel" for d in plan.dists)
    with env.reporter.group("Audit dependencies for known vulnerabilities"):
        # A session of its own: it talks to PyPI's JSON API, not to the index of the upload.
        with requests.Session() as session:
            source = vulnerability_source(session, stand_in_origin(config))
            release = look_up_declared(source, declared, ignore=config.audit_ignore)
            result = audit_result(release, own_lookups(env, source), config.audit_ignore)
        _report(result, has_wheel=has_wheel, reporter=env.reporter)
    plan = replace(plan, audit=result)
    if config.audit == "error" and result.failing:
        # No row of its own: the report shows the stage a refusal stopped at as failed.
        return plan.refused(_refusal(result.failing))
    complete = has_wheel and not result.unchecked
    detail = _detail(result, has_wheel=has_wheel)
    return plan.with_stage("audit", "done" if complete else "incomplete", detail)


def _with_sbom(plan: Plan, env: Environment, declared: Sequence[Declared]) -> Plan:
    """The release's SBOM written beside its files (whatever the audit input says: it
    describes the release, and the GitHub Release attaches it)."""
    if not plan.project or not plan.version:
        return plan
    try:
        path = write_sbom(
            env.config.packages_dir, plan.project, plan.version, plan.dists, declared
        )  # fmt: skip
    except OSError as error:
        env.reporter.warning(
            f"the SBOM cannot be written to {env.config.packages_dir}: {error.strerror}",
            title="audit",
        )
        return plan
    env.reporter.info(f"SBOM (CycloneDX): {path}")
    return replace(plan, sbom=path)


def _report(result: AuditResult, *, has_wheel: bool, reporter: Reporter) -> None:
    if not has_wheel:
        reporter.warning(
            "no wheel among the files: the release's own requirements are not audited (an "
            "sdist's may be computed at build time); py-release's are",
            title="audit",
        )
    for vulnerability in result.vulnerabilities:
        line = _one_line(vulnerability)
        if vulnerability.ignored:
            reporter.info(f"ignored (audit-ignore): {line}")
        else:
            reporter.warning(f"{line} — fix: {_fix(vulnerability)}", title="audit")
    if result.unchecked:
        reporter.warning(_unchecked_line(result.unchecked), title="audit")
    if not result.vulnerabilities and not result.unchecked:
        reporter.info(
            f"no known vulnerabilities in {result.release_count} requirement(s) of the release "
            f"and {result.own_count} package(s) of py-release"
        )


def _one_line(v: KnownVulnerability) -> str:
    fixed = ", ".join(v.fixed_in) or "no fixed version yet"
    allowed = f", allowed {v.allowed}" if v.scope != "py-release" else ""
    return f"{v.id}: {v.package} {v.version} ({v.who}{allowed}), fixed in {fixed}"


def _fix(v: KnownVulnerability) -> str:
    if v.scope == "py-release":
        return "update py-release (its lock pins this version), or add the id to audit-ignore"
    if v.fixed_in:
        return (
            f"allow {v.package}>={v.fixed_in[0]} in your dependencies (the newest version the "
            "range allows is affected), or add the id to audit-ignore"
        )
    return "no fixed release exists: read the advisory, then add the id to audit-ignore"


def _unchecked_line(unchecked: Sequence[Unchecked]) -> str:
    reasons = {u.reason for u in unchecked}
    count = len(unchecked)
    if count > _UNKNOWN_TO_ALL and all(u.reason.startswith(UNKNOWN) for u in unchecked):
        return (
            f"the audit is incomplete: PyPI's JSON API knows none of the {count} packages "
            "(it answered 404 for each): is PyPI reached through a proxy or mirror that does "
            "not serve /pypi/NAME/VERSION/json? Set audit: off if so"
        )
    if len(reasons) == 1 and count > 1:
        return f"the audit is incomplete: {count} packages could not be checked: {reasons.pop()}"
    named = "; ".join(f"{u.package}: {u.reason}" for u in unchecked[:_NAMED])
    more = f"; and {count - _NAMED} more" if count > _NAMED else ""
    return f"the audit is incomplete: {count} package(s) could not be checked: {named}{more}"


def _detail(result: AuditResult, *, has_wheel: bool) -> str:
    found = len(result.vulnerabilities)
    ignored = found - len(result.failing)
    parts = [
        f"{result.release_count} requirement(s) of the release"
        if has_wheel
        else "no wheel to read requirements from",
        f"{result.own_count} package(s) of py-release",
    ]
    text = " and ".join(parts) + ": "
    text += f"{found} known vulnerabilit{'y' if found == 1 else 'ies'}"
    if ignored:
        text += f" ({ignored} ignored)"
    if result.unchecked:
        text += f"; {len(result.unchecked)} could not be checked"
    return text


def _refusal(failing: Sequence[KnownVulnerability]) -> VulnerableDependencies:
    lines = [f"{len(failing)} known vulnerabilit{'y' if len(failing) == 1 else 'ies'}:"]
    lines += [f"  - {_one_line(v)}" for v in failing]
    fixes = dict.fromkeys(_fix(v) for v in failing)
    return VulnerableDependencies(
        "\n".join(lines),
        "\n".join(fixes) + "\n(or set audit: warn to list them without stopping the release)",
    )
