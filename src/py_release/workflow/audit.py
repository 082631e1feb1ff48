"""The audit stage: ``py-release doctor`` run inside the action on the workflow that is running
it; and the doctor command's audit of the files it is given.

The runner names that workflow in ``GITHUB_WORKFLOW_REF``
(``owner/repo/.github/workflows/release.yml@refs/tags/v1.0.0``); its file is in the checked-out
repository under ``GITHUB_WORKSPACE``. A job that did not check out its repository, or runs
outside Actions, has nothing to audit: the audit says so and the release goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.workflow.findings import Finding

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Record
    from py_release.reporter import Reporter
    from py_release.workflow.manual import ManualChecklist


class WorkflowAuditFailed(ReleaseError):
    """``doctor: error`` and the running workflow fails an item of the release checklist.

    Fix: apply each item's fix, or set ``doctor: warn`` to report without stopping.
    """


@dataclass(frozen=True)
class WorkflowAudit:
    # The workflow file audited, relative to the workspace; None when there was none to read.
    workflow: str | None
    findings: tuple[Finding, ...]
    # Why nothing was audited, when ``workflow`` is None.
    skipped_because: str = ""
    # The settings-only items, for a workflow that publishes.
    manual: ManualChecklist | None = None

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level != "pass")


def workflow_path(context: GitHubContext) -> str | None:
    """``.github/workflows/release.yml`` from the workflow ref, or None."""
    if not context.workflow_ref or not context.repository:
        return None
    path = context.workflow_ref.split("@", 1)[0]
    prefix = context.repository + "/"
    # The ref names the repository that holds the file; a caller in another repository (a
    # reusable workflow's caller) has no file in this workspace.
    if not path.lower().startswith(prefix.lower()):
        return None
    return path[len(prefix) :] or None


_NAME_LINE = re.compile(r"""^name:\s*(?P<quote>['"]?)(?P<name>.*?)(?P=quote)\s*(?:#.*)?$""", re.M)


def workflow_named(workspace: Path, name: str) -> str | None:
    """The workflow file whose top-level ``name:`` (or path, when it has none) is ``name``.

    For runners that set no GITHUB_WORKFLOW_REF: act, and older GitHub Enterprise Servers.
    """
    folder = workspace / ".github" / "workflows"
    matches: list[str] = []
    from py_release.workflow.doctor import read_workflow

    for file in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        relative = file.relative_to(workspace).as_posix()
        try:
            found = _NAME_LINE.search(read_workflow(file))
        except OSError:
            continue
        if (found.group("name") if found else relative) == name:
            matches.append(relative)
    # Two workflows with one name cannot be told apart; auditing the wrong one would mislead.
    return matches[0] if len(matches) == 1 else None


def _why_not_found(context: GitHubContext) -> str:
    """Why the running workflow's file cannot be named, in the words of what is missing."""
    workflows = Path(context.workspace or ".") / ".github" / "workflows"
    if context.workflow_ref and context.repository:
        return (
            f"the running workflow ({context.workflow_ref.split('@', 1)[0]}) is in another "
            f"repository than {context.repository} (a reusable workflow's caller): its file "
            "is not in this workspace"
        )
    if not workflows.is_dir():
        return (
            "this job checks nothing out, so no workflow file is in the workspace (the runner "
            "does not say which one runs: GITHUB_WORKFLOW_REF is not set); the build job, which "
            "checks out, audits it"
        )
    return (
        f"GITHUB_WORKFLOW_REF is not set and no file in .github/workflows is named "
        f"{context.workflow_name or '(no GITHUB_WORKFLOW either)'}, or two are"
    )


def audit_running_workflow(context: GitHubContext) -> WorkflowAudit:
    if not context.workspace:
        return WorkflowAudit(None, (), "GITHUB_WORKSPACE is not set")
    # doctor (and the YAML parser under it) load only when there is a workflow to read: a
    # run outside Actions never pays for them before its build starts.
    from py_release.workflow.doctor import audit_workflow, parse_workflow, read_workflow
    from py_release.workflow.manual import manual_checklist

    relative = workflow_path(context)
    if relative is None and not context.workflow_ref and context.workflow_name:
        relative = workflow_named(Path(context.workspace), context.workflow_name)
    if relative is None:
        return WorkflowAudit(None, (), _why_not_found(context))
    file = Path(context.workspace) / relative
    try:
        text = read_workflow(file)
    except OSError as error:
        if file.exists() and not file.is_dir():
            return WorkflowAudit(None, (), f"{relative} cannot be audited: {error.strerror}")
        return WorkflowAudit(
            None,
            (),
            f"{relative} is not in the workspace: this job checks nothing out (a publishing job "
            "that downloads its files need not; the build job, which checks out, audits it)",
        )
    workflow = parse_workflow(text, relative)
    manual = (
        manual_checklist(workflow, context.repository or None, relative)
        if workflow.publishing
        else None
    )
    return WorkflowAudit(relative, tuple(audit_workflow(workflow)), manual=manual)


def audit_failure(audited: WorkflowAudit) -> WorkflowAuditFailed | None:
    """``doctor: error``: a failed checklist item stops the release before anything is built."""
    from py_release.workflow.doctor import failures

    failed = failures(audited.findings)
    if not failed:
        return None
    lines = [f"{audited.workflow} fails {len(failed)} item(s) of the release checklist:"]
    lines += [f"  - {f.check}: {f.message}" for f in failed]
    return WorkflowAuditFailed(
        "\n".join(lines),
        "\n".join(dict.fromkeys(f.fix for f in failed))
        + "\n(or set doctor: warn to report these without stopping the release)",
    )


def audit_stage(record: Record, env: Environment) -> Record:
    """The running workflow against the release checklist; ``doctor: error`` refuses a failed
    item, with the findings in the record so the summary lists them."""
    if env.config.doctor == "off":
        return record.with_stage("doctor", "skipped", "doctor is off")
    try:
        audited = audit_running_workflow(env.context)
    except ReleaseError as error:
        # The runner parsed this workflow, so this is doctor's limit, not the user's error.
        env.reporter.warning(f"doctor could not read the workflow: {error}", title="doctor")
        return record.with_stage("doctor", "skipped", "workflow unreadable")
    if audited.workflow is None:
        env.reporter.info(f"doctor: nothing to audit ({audited.skipped_because})")
        return record.with_stage("doctor", "skipped", audited.skipped_because)
    for finding in audited.problems:
        env.reporter.warning(
            f"{finding.check}: {finding.message} — fix: {finding.fix}",
            title=f"doctor: {audited.workflow}",
        )
    record = replace(record, workflow_findings=audited.problems, manual_checklist=audited.manual)
    if env.config.doctor == "error":
        refusal = audit_failure(audited)
        if refusal is not None:
            return record.refused(refusal)
    count = len(audited.problems)
    detail = f"{audited.workflow}: " + (
        f"{count} finding(s), see below" if count else "every checklist item passes"
    )
    return record.with_stage("doctor", "done", detail)


def audit_files(paths: list[Path], reporter: Reporter) -> None:
    """``py-release doctor``: print every finding of every file; raise ``ReleaseError``
    listing every failed item."""
    from py_release.workflow.doctor import (
        audit_workflow,
        format_finding,
        parse_workflow,
        read_workflow,
    )
    from py_release.workflow.manual import (
        manual_checklist,
        project_from_pyproject,
        repository_from_git,
    )

    if not paths:
        raise ReleaseError(
            "no workflow files in .github/workflows",
            "run from the repository's root, or name the files: py-release doctor release.yml",
        )
    failed: list[str] = []
    for path in paths:
        try:
            text = read_workflow(path)
        except OSError as error:
            raise ReleaseError(
                f"cannot read {path}: {error.strerror}", "pass an existing workflow file"
            ) from None
        reporter.info(f"== {path}")
        workflow = parse_workflow(text, str(path))
        for finding in audit_workflow(workflow):
            for line in format_finding(finding):
                reporter.info(line)
            if finding.level == "fail":
                failed.append(f"{path}: {finding.check}: {finding.message}")
        if workflow.publishing:
            here = Path.cwd()
            checklist = manual_checklist(workflow, repository_from_git(here), str(path))
            reporter.info("CHECK BY HAND (only the settings show these):")
            for item in checklist.items(project_from_pyproject(here / "pyproject.toml")):
                reporter.info(f"  - {item.item}")
                reporter.info(f"    {item.page}")
    if failed:
        raise ReleaseError(
            f"{len(failed)} release security check(s) failed:\n"
            + "\n".join(f"  - {item}" for item in failed),
            "apply the fix printed under each FAIL line, then run py-release doctor again",
        )
    reporter.info(f"doctor: no failures in {len(paths)} workflow file(s)")
