"""Checklist items on credentials a publish could leak or needs no more: persist-credentials,
token-secrets."""

from __future__ import annotations

import re

from py_release.workflow.findings import Finding, or_pass
from py_release.workflow.model import OFFICIAL, Workflow, as_mapping, as_text, is_false, strings_in

_SECRET = re.compile(r"secrets\.(\w+)")
_TOKEN_SECRET = re.compile(r"secrets\.(\w*PYPI\w*)", re.IGNORECASE)
_PASSWORD_ENV = ("TWINE_PASSWORD", "UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD", "PY_RELEASE_PASSWORD")


def check_persist_credentials(workflow: Workflow) -> list[Finding]:
    name = "persist-credentials"
    findings: list[Finding] = []
    for job in workflow.jobs:
        for step in job.steps:
            if step.action != "actions/checkout":
                continue
            if is_false(step.with_.get("persist-credentials")):
                continue
            findings.append(
                Finding(
                    name,
                    "fail" if job.publishes else "warn",
                    f"job '{job.id}': actions/checkout leaves the job's token in .git/config "
                    "for every later step (build backends included)",
                    "add `with: persist-credentials: false` to the actions/checkout step",
                    step.line,
                )
            )
    return or_pass(findings, name, "no checkout keeps the token (persist-credentials)")


def check_token_secrets(workflow: Workflow) -> list[Finding]:
    name = "token-secrets"
    findings: list[Finding] = []
    workflow_env = as_mapping(workflow.raw.get("env"))
    for job in workflow.publishing:
        if not job.indexes & OFFICIAL:
            continue  # Trusted Publishing exists only on PyPI and TestPyPI
        found: list[str] = []
        for text in [*strings_in(job.raw), *strings_in(workflow_env)]:
            found += [f"secrets.{m}" for m in _TOKEN_SECRET.findall(text)]
        env = {**workflow_env, **as_mapping(job.raw.get("env"))}
        for step in job.steps:
            if not step.publishes or not step.indexes(env) & OFFICIAL:
                continue
            values = [step.with_.get("password")]
            values += [{**env, **step.env}.get(key) for key in _PASSWORD_ENV]
            found += [f"secrets.{m}" for v in values for m in _SECRET.findall(as_text(v))]
        if found:
            unique = sorted(set(found))
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"publishing job '{job.id}' uploads to {job.index_names} with a stored "
                    f"token ({', '.join(unique)})",
                    "use Trusted Publishing: add a trusted publisher for this workflow on "
                    "PyPI/TestPyPI, give the job `permissions: id-token: write`, drop the "
                    "password, and delete the token secret and the token on the index",
                    workflow.lines.mention(unique[0], job.id),
                )
            )
    return or_pass(findings, name, "no stored PyPI token secrets")
