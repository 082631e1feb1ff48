"""Audit a GitHub workflow against the release security checklist.

Pure: ``audit`` takes a workflow's text and returns one or more findings per checklist item,
each ``pass``, ``warn`` or ``fail`` with the fix. Reading files, printing and the exit code are
the CLI's business. The checks themselves live in ``py_release.workflow.checks``, the parsed
workflow they read in ``py_release.workflow.model``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

from py_release.errors import ReleaseError
from py_release.workflow.checks import CHECKS
from py_release.workflow.findings import Finding, Level
from py_release.workflow.model import Workflow

__all__ = ["CHECKS", "Finding", "Level", "audit", "format_finding"]


# Far above any real workflow; bounds what a hostile file can make the audit do.
WORKFLOW_LIMIT = 1024 * 1024
ALIAS_LIMIT = 1000


def read_workflow(path: Path) -> str:
    """A workflow file's text; ``OSError`` when it is not a regular file of a workflow's size
    (a device or a FIFO would never end)."""
    if not path.is_file():
        raise OSError(errno.ENOENT, "not a regular file", str(path))
    if path.stat().st_size > WORKFLOW_LIMIT:
        raise OSError(errno.EFBIG, f"larger than {WORKFLOW_LIMIT:,} bytes", str(path))
    return path.read_text(encoding="utf-8", errors="replace")


def audit(text: str, path: str) -> list[Finding]:
    """Every checklist item's findings for the workflow ``text`` (read from ``path``)."""
    return audit_workflow(parse_workflow(text, path))


def audit_workflow(workflow: Workflow) -> list[Finding]:
    findings: list[Finding] = []
    for _name, check in CHECKS:
        findings += check(workflow)
    return findings


def parse_workflow(text: str, path: str) -> Workflow:
    """The workflow ``text`` (read from ``path``); ``ReleaseError`` when it is not one."""
    import yaml  # here, not at the top: the action imports this module on every release

    too_big = len(text) > WORKFLOW_LIMIT
    try:
        aliases = (
            0
            if too_big
            else sum(
                isinstance(event, yaml.AliasEvent)
                for event in yaml.parse(text, Loader=yaml.SafeLoader)
            )
        )
    except yaml.YAMLError:
        aliases = 0  # safe_load below says where
    if too_big or aliases > ALIAS_LIMIT:
        raise ReleaseError(
            f"{path} is not audited: "
            + (f"it is over {WORKFLOW_LIMIT:,} bytes" if too_big else f"it has {aliases} aliases"),
            "a workflow this large or this aliased (a YAML bomb) is not one GitHub runs",
        )
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
    return Workflow.parse(data, text)


def format_finding(finding: Finding) -> list[str]:
    """``PASS  check: message``, and for a warning or failure ``  fix: ...`` under it."""
    where = f" (line {finding.line})" if finding.line else ""
    lines = [f"{finding.level.upper()}  {finding.check}: {finding.message}{where}"]
    if finding.level != "pass":
        lines.append(f"  fix: {finding.fix}")
    return lines


def failures(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "fail"]
