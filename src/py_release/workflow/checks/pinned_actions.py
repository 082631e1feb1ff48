"""Checklist item pinned-actions: every third-party action pinned by commit SHA."""

from __future__ import annotations

import re

from py_release.workflow.findings import Finding, or_pass
from py_release.workflow.model import Workflow, as_text

_SHA = re.compile(r"[0-9a-f]{40}")


def check_pinned_actions(workflow: Workflow) -> list[Finding]:
    name = "pinned-actions"
    findings: list[Finding] = []
    seen: set[str] = set()
    uses: list[tuple[str, int | None]] = []
    for job in workflow.jobs:
        if job.raw.get("uses"):
            uses.append((as_text(job.raw["uses"]).strip(), job.line))
        uses += [(step.uses, step.line) for step in job.steps if step.uses]
    for ref, line in uses:
        if ref.startswith(("./", "docker://")) or ref == "." or ref in seen:
            continue
        seen.add(ref)
        _, _, version = ref.partition("@")
        if not _SHA.fullmatch(version):
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"`{ref}` is not pinned by commit SHA: whoever controls that tag "
                    "controls your release",
                    f"pin it as `{ref.partition('@')[0]}@<40-hex commit SHA> # {version or 'tag'}`"
                    " (and let Dependabot or Renovate update the pin)",
                    line,
                )
            )
    return or_pass(findings, name, "every third-party action is pinned by commit SHA")
