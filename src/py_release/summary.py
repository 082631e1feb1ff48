"""Step outputs and the job summary, from the plan, or after an early failure from what was
recorded before a decision."""

from __future__ import annotations

import json

from py_release.dependencies.report import audit_markdown
from py_release.distributions.contents import list_contents
from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError, troubleshooting_url
from py_release.markdown import code, fenced, html_text, prose
from py_release.plan import STAGES, Plan, Record
from py_release.reporter import Reporter
from py_release.sizes import format_size

OUTPUTS = (
    "version",
    "project",
    "files",
    "uploaded",
    "skipped",
    "dry-run",
    "index-url",
    "project-url",
    "release-url",
)
_STATE_ICON = {
    "done": "✅",
    "skipped": "⏭️",
    "failed": "❌",
    "not configured": "⚪",
    "incomplete": "⚠️",
}


def files_json(plan: Plan | Record) -> str:
    if not isinstance(plan, Plan):
        return "[]"
    # Without a status the run stopped before asking the index: nothing was sent.
    return json.dumps(
        [
            {
                "name": dist.name,
                "kind": dist.kind,
                "size": dist.size,
                "sha256": dist.hashes.sha256,
                "status": plan.statuses.get(dist.name, "not sent"),
            }
            for dist in plan.dists
            if dist.path.is_file()
        ]
    )


def outputs(record: Plan | Record) -> dict[str, str]:
    """Every step output; before a decision, each is empty (the counts zero)."""
    if not isinstance(record, Plan):
        empty = dict.fromkeys(OUTPUTS, "")
        return {**empty, "files": "[]", "uploaded": "0", "skipped": "0", "dry-run": "false"}
    plan = record
    decision = plan.decision
    project_url = ""
    if plan.project and plan.version:
        project_url = decision.index.project_url(plan.project, plan.version)
    return {
        "version": plan.version,
        "project": plan.project,
        "files": files_json(plan),
        "uploaded": str(plan.count("uploaded")),
        "skipped": str(plan.count("skipped") + plan.count("already on index")),
        "dry-run": "true" if decision.dry_run else "false",
        "index-url": decision.index.simple_url,
        "project-url": project_url,
        "release-url": plan.release_url,
    }


def _contents_section(dist: DistFile) -> list[str]:
    entries = list_contents(dist)
    if not entries:
        return []
    label = "sdist" if dist.kind == "sdist" else "wheel"
    name = html_text(dist.name)
    lines = [f"<details><summary>Contents of the {label} <code>{name}</code></summary>", ""]
    # A member's name may hold line breaks: shown escaped, so each member keeps one line.
    listing = [f"{size:>10}  {_one_line(path)}" for path, size in entries]
    lines += [*fenced("\n".join(listing)), "", "</details>", ""]
    return lines


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _attestation_section(plan: Plan) -> list[str]:
    if not plan.attestations:
        return []
    lines = [
        "### Attestations (PEP 740)",
        "",
        "| File | Signed by (certificate identity) | Transparency log | Verified on the index |",
        "|---|---|---|---|",
    ]
    for record in plan.attestations:
        index = prose(record.log_index)
        log = f"[{index}]({record.log_url})" if record.log_url else index
        verified = "✅ yes" if record.verified else "—"
        note = " (reused)" if record.reused else ""
        lines.append(
            f"| {code(record.file)}{note} | {code(record.identity)} | {log} | {verified} |"
        )
    lines += [
        "",
        "Check them any time with `py-release verify PROJECT==VERSION --repository OWNER/REPO "
        "--workflow FILE`.",
        "",
    ]
    return lines


def _workflow_section(plan: Plan | Record) -> list[str]:
    if not plan.workflow_findings:
        return []
    lines = [
        "### Workflow checklist (doctor)",
        "",
        "| Result | Item | Finding | Fix |",
        "|---|---|---|---|",
    ]
    for finding in plan.workflow_findings:
        icon = "❌ fail" if finding.level == "fail" else "⚠️ warn"
        where = f" (line {finding.line})" if finding.line else ""
        lines.append(
            f"| {icon} | {finding.check} | {prose(finding.message)}{where} | {prose(finding.fix)} |"
        )
    return [*lines, ""]


def _manual_section(record: Plan | Record, project: str | None) -> list[str]:
    if record.manual_checklist is None:
        return []
    lines = [
        "### Check by hand (only the settings show these)",
        "",
        "| Item | Where |",
        "|---|---|",
    ]
    for item in record.manual_checklist.items(project or None):
        lines.append(f"| {prose(item.item)} | <{item.page}> |")
    return [*lines, ""]


def summary_markdown(record: Plan | Record, failure: ReleaseError | None) -> str:
    plan = record if isinstance(record, Plan) else None
    dry = bool(plan and plan.decision.dry_run)
    what = f"{plan.project} {plan.version}".strip() if plan else ""
    what = prose(what) if what else "release"
    if failure:
        heading = f"## ❌ py-release: {what} failed"
    elif dry:
        heading = f"## 🧪 py-release: {what} (dry run, nothing uploaded)"
    else:
        heading = f"## 📦 py-release: {what} released"
    lines = [heading, ""]
    if failure:
        more = f"more: {troubleshooting_url(failure)}"
        lines += [*fenced(f"error: {failure.message}\nhint: {failure.hint}\n{more}"), ""]
    if plan:
        lines += _overview(plan)
    for note in record.notes:
        lines += [note, ""]
    if plan:
        lines += _files_section(plan, failure)
        if plan.sbom is not None:
            lines += [f"SBOM (CycloneDX 1.6), beside the files: {code(plan.sbom.name)}", ""]
        lines += _attestation_section(plan)
        if plan.audit is not None:
            lines += audit_markdown(plan.audit)
    lines += _workflow_section(record)
    lines += _manual_section(record, plan.project if plan else None)
    lines += _stages_section(record, failure)
    if plan:
        for dist in plan.dists:
            if dist.path.is_file():
                lines += _contents_section(dist)
    return "\n".join(lines) + "\n"


def _overview(plan: Plan) -> list[str]:
    decision = plan.decision
    lines = ["| | |", "|---|---|"]
    if plan.project:
        lines.append(f"| Project | {code(plan.project)} |")
        lines.append(f"| Version | {code(plan.version)} |")
    lines.append(f"| Index | {decision.index.display} ({prose(decision.index_reason)}) |")
    mode = "dry run" if decision.dry_run else "upload"
    lines.append(f"| Mode | {mode} ({prose(decision.dry_run_reason)}) |")
    if plan.project and plan.version:
        url = decision.index.project_url(plan.project, plan.version)
        lines.append(f"| Project page | {url} |")
    if plan.release_url:
        lines.append(f"| GitHub Release | {plan.release_url} |")
    return [*lines, ""]


def _file_status(plan: Plan, name: str, failure: ReleaseError | None) -> str:
    status = plan.statuses.get(name)
    if status is None or (status == "pending" and failure):
        if failure and not plan.decision.dry_run:
            return f"not sent: the run stopped at {_failed_stage(plan)}, before the upload"
        return "checked" if plan.report else "built"
    reason = plan.status_reasons.get(name)
    return f"{status}: {prose(reason)}" if reason else status


def _files_section(plan: Plan, failure: ReleaseError | None) -> list[str]:
    if not plan.dists:
        return []
    lines = ["### Files", "", "| File | Size | SHA256 | Status |", "|---|---:|---|---|"]
    for dist in plan.dists:
        if not dist.path.is_file():
            continue
        status = _file_status(plan, dist.name, failure)
        lines.append(
            f"| {code(dist.name)} | {format_size(dist.size)} | `{dist.hashes.sha256}` | {status} |"
        )
    return [*lines, ""]


def _stages_section(record: Plan | Record, failure: ReleaseError | None) -> list[str]:
    if not record.stages:
        return []
    lines = ["### Stages", "", "| Stage | Result | Detail |", "|---|---|---|"]
    for result in record.stages:
        icon = _STATE_ICON[result.state]
        lines.append(f"| {result.stage} | {icon} {result.state} | {prose(result.detail)} |")
    if failure and (stage := _failed_stage(record)):
        lines.append(f"| {stage} | ❌ failed | {prose(failure.message)} |")
    return [*lines, ""]


def _failed_stage(record: Plan | Record) -> str:
    """The first stage the record did not reach: the one that failed."""
    reached = {result.stage for result in record.stages}
    return next((stage for stage in STAGES if stage not in reached), "")


def publish_report(
    record: Plan | Record, reporter: Reporter, *, failure: ReleaseError | None
) -> None:
    """Write the step outputs and the job summary."""
    for name, value in outputs(record).items():
        reporter.set_output(name, value)
    reporter.write_summary(summary_markdown(record, failure))
