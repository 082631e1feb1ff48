"""The audit's section of the job summary. Every id, summary and version comes from the index:
shown through ``markdown``'s escapes, and an id becomes a link only in an id's shape."""

from __future__ import annotations

from py_release.dependencies.findings import AuditResult, KnownVulnerability
from py_release.markdown import code, prose

# An advisory's summary is cut to this in a table cell; the link has the rest.
_SUMMARY_CHARS = 160
# Unchecked packages listed one by one before "and N more".
_LISTED = 20


def _id_cell(v: KnownVulnerability) -> str:
    link = v.link
    shown = f"[{v.id}]({link})" if link else code(v.id)
    aliases = ", ".join(code(a) for a in v.aliases)
    return f"{shown} ({aliases})" if aliases else shown


def _version_cell(v: KnownVulnerability) -> str:
    if v.scope == "py-release":
        return f"{code(v.version)} (installed)"
    return f"{code(v.version)} (newest of {code(v.allowed)})"


def _summary_cell(v: KnownVulnerability) -> str:
    text = " ".join(v.summary.split())
    if len(text) > _SUMMARY_CHARS:
        text = text[: _SUMMARY_CHARS - 1].rstrip() + "…"
    return prose(text)


def audit_markdown(result: AuditResult) -> list[str]:
    lines = ["### Dependency audit", ""]
    if result.vulnerabilities:
        lines += [
            "| Vulnerability | Package | Version | For | Fixed in | Summary |",
            "|---|---|---|---|---|---|",
        ]
        for v in result.vulnerabilities:
            state = "ignored (audit-ignore)" if v.ignored else "⚠️"
            fixed = ", ".join(code(f) for f in v.fixed_in) or "no fix yet"
            lines.append(
                f"| {state} {_id_cell(v)} | {code(v.package)} | {_version_cell(v)} | "
                f"{prose(v.who)} | {fixed} | {_summary_cell(v)} |"
            )
        lines.append("")
    else:
        lines += [
            f"No known vulnerabilities in {result.release_count} requirement(s) of the release "
            f"and {result.own_count} package(s) of py-release.",
            "",
        ]
    if result.unchecked:
        lines += [f"Could not be checked ({len(result.unchecked)}):", ""]
        lines += [
            f"- {code(u.package)} ({prose(u.scope)}): {prose(u.reason)}"
            for u in result.unchecked[:_LISTED]
        ]
        if len(result.unchecked) > _LISTED:
            lines.append(f"- and {len(result.unchecked) - _LISTED} more (see the log)")
        lines.append("")
    if result.ignore:
        lines += ["audit-ignore: " + ", ".join(code(i) for i in result.ignore), ""]
    return lines
