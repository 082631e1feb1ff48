"""Checklist items on the token's permissions: permissions (no more than needed), id-token
(what Trusted Publishing needs), github-release (what a GitHub Release needs)."""

from __future__ import annotations

import re
from typing import Any

from py_release.workflow.findings import Finding, Level, or_pass
from py_release.workflow.model import OFFICIAL, Job, Step, Workflow, as_mapping, as_text

# What github-release takes for "make a release" (the action's parser: yes/1 read as true).
_RELEASE_ON = frozenset({"true", "yes", "1", "draft"})
# A github-token naming the job's own token: its permissions are the job's.
_JOB_TOKEN = re.compile(r"\bgithub\.token\b|\bsecrets\.GITHUB_TOKEN\b", re.IGNORECASE)


def check_permissions(workflow: Workflow) -> list[Finding]:
    name = "permissions"
    findings: list[Finding] = []
    top = workflow.raw.get("permissions")
    top_line = workflow.lines.top_key("permissions")
    write_all_fix = (
        "replace `write-all` with the few permissions needed: `permissions: {}` or "
        "`contents: read` at the top, `id-token: write` only on the publishing job"
    )
    if top == "write-all":
        findings.append(
            Finding(name, "fail", "the workflow grants `write-all`", write_all_fix, top_line)
        )
    elif as_text(as_mapping(top).get("id-token")) == "write":
        findings.append(
            Finding(
                name,
                "fail",
                "`id-token: write` is granted at workflow level, so every job can mint an "
                "upload identity",
                "move `id-token: write` into the publishing job's `permissions:` and keep the "
                "workflow level at `permissions: {}` or `contents: read`",
                top_line,
            )
        )
    for job in workflow.jobs:
        if job.raw.get("permissions") == "write-all":
            findings.append(
                Finding(name, "fail", f"job '{job.id}' grants `write-all`", write_all_fix, job.line)
            )
    if top is None and any("permissions" not in job.raw for job in workflow.jobs):
        findings.append(
            Finding(
                name,
                "warn",
                "no top-level `permissions:`: jobs without their own get the repository's "
                "default token permissions, possibly read-write",
                "add `permissions: {}` (or `contents: read`) at the top of the workflow and "
                "grant each job only what it needs",
            )
        )
    return or_pass(findings, name, "`id-token: write` only at job level; no `write-all`")


def _permissions_of(workflow: Workflow, job: Job) -> Any:
    """The job's token permissions as written: its own `permissions:`, which replaces the
    workflow's; None when neither sets any (the repository's default)."""
    permissions = job.raw.get("permissions")
    return workflow.raw.get("permissions") if permissions is None else permissions


def _grants_write(permissions: Any, scope: str) -> bool:
    """``permissions`` (as written, not None) give ``scope`` (contents, id-token) write."""
    if permissions == "write-all":
        return True
    return as_text(as_mapping(permissions).get(scope)).strip() == "write"


# uv publish uses Trusted Publishing on GitHub Actions unless told a token or password.
_UV_TRUSTED = re.compile(r"\buv\s+publish\b(?![^\n]*(--token|--password|-p\s))")


def _trusted_publishing(step: Step, env: dict[str, Any]) -> bool:
    """The step uploads with an ID token (Trusted Publishing), not a stored password."""
    if step.is_our_action or step.is_pypa_action:
        return not as_text(step.with_.get("password")).strip()
    if step.uses == "" and _UV_TRUSTED.search(step.run):
        given = {**env, **step.env}
        return not any(
            as_text(given.get(k)).strip() for k in ("UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD")
        )
    return False


def check_id_token(workflow: Workflow) -> list[Finding]:
    name = "id-token"
    findings: list[Finding] = []
    workflow_env = as_mapping(workflow.raw.get("env"))
    trusted = False
    for job in workflow.publishing:
        env = {**workflow_env, **as_mapping(job.raw.get("env"))}
        steps = [
            s for s in job.steps
            if s.publishes and s.indexes(env) & OFFICIAL and _trusted_publishing(s, env)
        ]  # fmt: skip
        if not steps:
            continue
        trusted = True
        permissions = _permissions_of(workflow, job)
        if permissions is not None and _grants_write(permissions, "id-token"):
            continue
        findings.append(
            Finding(
                name,
                "fail",
                f"job '{job.id}' publishes to {job.index_names} with Trusted Publishing but is "
                "not granted `id-token: write`: it gets no ID token and the upload fails",
                f"add `permissions: id-token: write` to job '{job.id}' (the repository's default "
                "permissions never include it)",
                steps[0].line or job.line,
            )
        )
    if not trusted:
        return [Finding(name, "pass", "no job publishes with Trusted Publishing", "")]
    return or_pass(findings, name, "every Trusted Publishing job has `id-token: write`")


# Actions that create a release or upload its assets, and the input their token comes from
# (empty or the job's token: the job's permissions apply).
_RELEASE_ACTIONS = {
    "softprops/action-gh-release": "token",
    "ncipollo/release-action": "token",
    "actions/create-release": "",
    "actions/upload-release-asset": "",
    "svenstaro/upload-release-action": "repo_token",
    "marvinpinto/action-automatic-releases": "repo_token",
}
# A github-script call that writes a release (createRelease, updateRelease, uploadReleaseAsset,
# or the REST route itself).
_RELEASE_SCRIPT = re.compile(
    r"\b(createRelease|updateRelease|uploadReleaseAsset|generateReleaseNotes)\b"
    r"|POST /repos/[^\s'\"`]+/releases",
)
_GH_RELEASE_RUN = re.compile(r"\bgh\s+release\s+(create|upload|edit)\b")


def _release_token(step: Step) -> tuple[str, bool] | None:
    """(the token expression, whether the step surely makes a release) for a step that makes
    or may make a GitHub Release; None for any other step."""
    if step.is_our_action:
        if not step.publishes:
            return None  # a dry run makes no release
        value = as_text(step.with_.get("github-release")).strip().lower()
        if value in _RELEASE_ON:
            return as_text(step.with_.get("github-token")).strip(), True
        if "${{" in value:
            return as_text(step.with_.get("github-token")).strip(), False
        return None
    if step.action in _RELEASE_ACTIONS:
        key = _RELEASE_ACTIONS[step.action]
        return (as_text(step.with_.get(key)).strip() if key else ""), True
    if step.action == "actions/github-script" and _RELEASE_SCRIPT.search(
        as_text(step.with_.get("script"))
    ):
        return as_text(step.with_.get("github-token")).strip(), True
    if step.uses == "" and _GH_RELEASE_RUN.search(step.run):
        env = step.env
        return as_text(env.get("GH_TOKEN") or env.get("GITHUB_TOKEN")).strip(), True
    return None


def check_github_release(workflow: Workflow) -> list[Finding]:
    name = "github-release"
    findings: list[Finding] = []
    fix = (
        "add `contents: write` to the job's permissions (beside `id-token: write`), or give the "
        "step a token that can write the repository's contents"
    )
    releasing = False
    for job in workflow.jobs:
        permissions = _permissions_of(workflow, job)
        for step in job.steps:
            found = _release_token(step)
            if found is None:
                continue
            token, surely = found
            if token and not _JOB_TOKEN.search(token):
                continue  # another token: its permissions are not the job's to grant
            releasing = True
            if permissions is not None and _grants_write(permissions, "contents"):
                continue
            what = "makes" if surely else "may make"
            how = "" if step.is_our_action else f" (step `{step.uses or 'gh release'}`)"
            if permissions is None:
                message = (
                    f"job '{job.id}' {what} a GitHub Release{how}, and neither it nor the "
                    "workflow sets `permissions:`: the token then has the repository's default "
                    "permissions, read-only unless the repository allows more"
                )
                level: Level = "warn"
            else:
                message = (
                    f"job '{job.id}' {what} a GitHub Release{how} without `contents: write`: "
                    "GitHub refuses it with 403"
                    + (" after the upload to the index" if job.publishes else "")
                )
                level = "fail" if surely else "warn"
            findings.append(Finding(name, level, message, fix, step.line))
    if not releasing:
        return [Finding(name, "pass", "no step makes a GitHub Release with the job's token", "")]
    return or_pass(findings, name, "every job making a GitHub Release has `contents: write`")
