"""Checklist items on what starts a publish: trigger, untrusted-triggers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from py_release.workflow.findings import Finding, or_pass
from py_release.workflow.model import PYPI, Workflow

# Events that are fine for a PyPI release; push is judged by its filters, the dangerous ones
# by their own check.
_RELEASE_EVENTS = frozenset({"release", "workflow_dispatch", "workflow_call"})
_UNTRUSTED_EVENTS = ("pull_request_target", "workflow_run")


def _push_reaches_branches(config: Any) -> bool:
    if not isinstance(config, Mapping):
        return True  # a bare `push:` runs for every branch and tag
    branches = "branches" in config or "branches-ignore" in config
    tags = "tags" in config or "tags-ignore" in config
    return branches or not tags


def check_trigger(workflow: Workflow) -> list[Finding]:
    name = "trigger"
    fix = (
        'publish to PyPI only from release tags: `on: push: tags: ["v*"]` (or `release:` / '
        "`workflow_dispatch:`), or guard the job with "
        "`if: startsWith(github.ref, 'refs/tags/')`; publish branch pushes to TestPyPI instead"
    )
    findings: list[Finding] = []
    for job in workflow.publishing:
        if PYPI not in job.indexes or workflow.tag_only(job):
            continue
        if "push" in workflow.triggers and _push_reaches_branches(workflow.triggers["push"]):
            findings.append(
                Finding(
                    name,
                    "fail",
                    f"job '{job.id}' publishes to PyPI on every push to a branch",
                    fix,
                    job.line,
                )
            )
        others = sorted(
            e
            for e in workflow.triggers
            if e not in _RELEASE_EVENTS and e != "push" and e not in _UNTRUSTED_EVENTS
        )
        if others:
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"job '{job.id}' publishes to PyPI on {', '.join(others)} as well, "
                    "not only on tags, releases or manual dispatch",
                    fix,
                    job.line,
                )
            )
    return or_pass(findings, name, "PyPI is published to only on tags, releases or dispatch")


def check_untrusted_triggers(workflow: Workflow) -> list[Finding]:
    name = "untrusted-triggers"
    findings: list[Finding] = []
    for event in _UNTRUSTED_EVENTS:
        if event not in workflow.triggers:
            continue
        for job in workflow.publishing:
            if workflow.tag_only(job):
                continue
            findings.append(
                Finding(
                    name,
                    "fail",
                    f"`{event}` reaches publishing job '{job.id}': code or artifacts from an "
                    "untrusted fork can end up published with the repository's identity",
                    f"remove `{event}` from this workflow's triggers and publish from a workflow "
                    "triggered by release tags, `release:` or `workflow_dispatch:`",
                    workflow.trigger_line(event),
                )
            )
    return or_pass(findings, name, "no pull_request_target or workflow_run publish path")
