"""Audit a GitHub workflow against the release security checklist.

Pure: ``audit`` takes a workflow's text and returns one or more findings per checklist item,
each ``pass``, ``warn`` or ``fail`` with the fix. Reading files, printing and the exit code are
the CLI's business. The checks themselves live in ``py_release.workflow.checks``, the parsed
workflow they read in ``py_release.workflow.model``.
"""

from __future__ import annotations

from collections.abc import Sequence

from py_release.errors import ReleaseError
from py_release.workflow.checks import CHECKS
from py_release.workflow.findings import Finding, Level
from py_release.workflow.model import Workflow

__all__ = ["CHECKS", "Finding", "Level", "audit", "format_finding"]


def audit(text: str, path: str) -> list[Finding]:
    """Every checklist item's findings for the workflow ``text`` (read from ``path``)."""
    import yaml  # here, not at the top: the action imports this module on every release

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ReleaseError(
            f"{path} is not valid YAML{where}: {getattr(error, 'problem', None) or error}",
            f"fix the YAML syntax of {path}; `actionlint {path}` shows the exact spot",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise ReleaseError(
            f"{path} is not a GitHub workflow: it has no 'jobs' mapping",
            "pass the workflow files under .github/workflows/, e.g. "
            "py-release doctor .github/workflows/release.yml",
        )
    workflow = Workflow.parse(data, text)
    findings: list[Finding] = []
    for _name, check in CHECKS:
        findings += check(workflow)
    return findings


def format_finding(finding: Finding) -> list[str]:
    """``PASS  check: message``, and for a warning or failure ``  fix: ...`` under it."""
    where = f" (line {finding.line})" if finding.line else ""
    lines = [f"{finding.level.upper()}  {finding.check}: {finding.message}{where}"]
    if finding.level != "pass":
        lines.append(f"  fix: {finding.fix}")
    return lines


def failures(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "fail"]
