"""Checklist items on how the publishing jobs are set up: environment, metadata-check,
separate-indexes, build-isolation."""

from __future__ import annotations

import re
from typing import Literal

from py_release.workflow.findings import Finding, or_pass
from py_release.workflow.model import OFFICIAL, PYPI, TESTPYPI, Job, Step, Workflow, as_text


def check_environment(workflow: Workflow) -> list[Finding]:
    name = "environment"
    findings: list[Finding] = []
    for job in workflow.publishing:
        if job.environment is None:
            wanted = "pypi" if PYPI in job.indexes else "testpypi"
            wanted = wanted if job.indexes & OFFICIAL else "release"
            findings.append(
                Finding(
                    name,
                    "fail" if PYPI in job.indexes else "warn",
                    f"publishing job '{job.id}' ({job.index_names}) has no `environment:`",
                    f"add `environment: {wanted}` to the job, protect the environment with "
                    "required reviewers in the repository settings, and name it in the "
                    "trusted publisher on the index",
                    job.line,
                )
            )
    message = (
        "every publishing job has an environment" if workflow.publishing else ("no publishing job")
    )
    return or_pass(findings, name, message)


def check_metadata_check(workflow: Workflow) -> list[Finding]:
    name = "metadata-check"
    if not workflow.publishing:
        return [Finding(name, "pass", "no publishing job", "")]
    if any(step.checks_metadata for job in workflow.jobs for step in job.steps):
        return [Finding(name, "pass", "distributions are checked before the upload", "")]
    job = workflow.publishing[0]
    return [
        Finding(
            name,
            "warn",
            "the workflow publishes without checking the distributions first",
            "run `twine check --strict dist/*` or `py-release check dist/` before the upload, "
            "or publish with the py-release action, which checks them",
            job.line,
        )
    ]


def _routes_by_trigger(job: Job) -> bool:
    return any(
        step.is_our_action and as_text(step.with_.get("repository")).lower() == "auto"
        for step in job.steps
    )


def check_separate_indexes(workflow: Workflow) -> list[Finding]:
    name = "separate-indexes"
    pypi = [job for job in workflow.publishing if PYPI in job.indexes]
    test = [job for job in workflow.publishing if TESTPYPI in job.indexes]
    if not pypi or not test:
        return [Finding(name, "pass", "the workflow publishes to at most one of the two", "")]
    findings: list[Finding] = []
    fix = (
        "publish to TestPyPI and to PyPI in two jobs, with `environment: testpypi` and "
        "`environment: pypi`, each named in its own index's trusted publisher"
    )
    routed = [job for job in pypi if job in test and _routes_by_trigger(job)]
    for job in pypi:
        if job in test:
            # `repository: auto` routes one job by trigger, to one index per run: allowed,
            # but both indexes then trust the same environment.
            level: Literal["warn", "fail"] = "warn" if job in routed else "fail"
            what = "routes to both (repository: auto)" if job in routed else "publishes to both"
            findings.append(Finding(name, level, f"job '{job.id}' {what}", fix, job.line))
    shared = {j.environment for j in pypi if j not in routed} & {
        j.environment for j in test if j not in routed
    }
    for environment in sorted(e for e in shared if e and "${{" not in e):
        findings.append(
            Finding(
                name,
                "fail",
                f"TestPyPI and PyPI are published from the same environment '{environment}'",
                fix,
            )
        )
    return or_pass(findings, name, "TestPyPI and PyPI are published from separate jobs")


_BUILD_RUN = re.compile(
    r"\bpython3?\s+-m\s+build\b|\bpyproject-build\b|\bpipx\s+run\s+build\b|\buv\s+build\b"
    r"|\b(poetry|hatch|pdm|flit|maturin)\s+build\b|\bpip3?\s+wheel\b|\bcibuildwheel\b"
    r"|\bsetup\.py\s+(sdist|bdist_wheel)\b"
)
_BUILD_ACTIONS = (
    "hynek/build-and-inspect-python-package",
    "pypa/cibuildwheel",
    "pyo3/maturin-action",
)


def _builds(job: Job) -> Step | None:
    """The first step of the job that runs the project's build backend."""
    downloaded = False
    for step in job.steps:
        if step.action == "actions/download-artifact":
            downloaded = True
        if step.uses == "" and _BUILD_RUN.search(step.run):
            return step
        if step.action in _BUILD_ACTIONS:
            return step
        if step.is_our_action:
            build = as_text(step.with_.get("build")).strip().lower() or "auto"
            # auto builds when packages-dir is empty: a job that downloads artifacts has files.
            if build in ("true", "sdist", "wheel") or (build == "auto" and not downloaded):
                return step
    return None


def check_build_isolation(workflow: Workflow) -> list[Finding]:
    name = "build-isolation"
    findings: list[Finding] = []
    for job in workflow.publishing:
        step = _builds(job)
        if step is None:
            continue
        findings.append(
            Finding(
                name,
                "warn",
                f"publishing job '{job.id}' also builds the project: the build backend and its "
                "build requirements (code from the project and the index) run in the job that "
                "holds the upload credential",
                "build in a job without `id-token: write` or a password and hand the files "
                "over as an artifact; publish with `build: false` (`py-release init` writes "
                "this workflow). py-release strips credentials from the build's environment, "
                "but code in the same job can still reach what the job holds",
                step.line or job.line,
            )
        )
    return or_pass(findings, name, "no publishing job builds the project")
