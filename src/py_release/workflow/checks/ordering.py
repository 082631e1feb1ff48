"""Checklist items on what a PyPI release goes through first: testpypi-first (the PyPI job
waits for the TestPyPI job) and attestations (a PyPI upload carries PEP 740 provenance)."""

from __future__ import annotations

from py_release.workflow.findings import Finding, or_pass
from py_release.workflow.model import PYPI, TESTPYPI, Job, Workflow, is_false


def _needs_all(workflow: Workflow, job: Job, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every job ``job`` waits for, directly or through the jobs it needs."""
    found: set[str] = set()
    for name in job.needs:
        needed = workflow.job(name)
        if name in seen or needed is None:
            continue
        found |= {name, *_needs_all(workflow, needed, seen | {name})}
    return found


def _branch_only(job: Job) -> bool:
    """The job's ``if:`` limits it to branch pushes: it never runs in a tag's run."""
    condition = job.condition
    return "refs/heads/" in condition and "refs/tags" not in condition and "||" not in condition


def check_testpypi_first(workflow: Workflow) -> list[Finding]:
    name = "testpypi-first"
    test = [job for job in workflow.publishing if TESTPYPI in job.indexes]
    pypi = [job for job in workflow.publishing if PYPI in job.indexes and job not in test]
    if not test or not pypi:
        return [Finding(name, "pass", "no separate TestPyPI and PyPI jobs to order", "")]
    findings = []
    for job in pypi:
        waits_for = _needs_all(workflow, job)
        if any(t.id in waits_for for t in test):
            continue
        if workflow.tag_only(job) and all(_branch_only(t) for t in test):
            # Branch pushes go to TestPyPI, tags to PyPI: never in one run, never in parallel.
            continue
        needs = ", ".join(dict.fromkeys([*job.needs, test[0].id]))
        findings.append(
            Finding(
                name,
                "warn",
                f"PyPI job '{job.id}' does not wait for TestPyPI job '{test[0].id}': it runs in "
                "parallel, so a release that TestPyPI refuses still reaches PyPI",
                f"add `needs: [{needs}]` to job '{job.id}', and let '{test[0].id}' run on "
                "tags too (a job that needs a skipped job is skipped)",
                job.line,
            )
        )
    return or_pass(
        findings, name, "the PyPI job waits for the TestPyPI job, or runs on other triggers"
    )


def check_attestations(workflow: Workflow) -> list[Finding]:
    name = "attestations"
    findings = []
    for job in workflow.publishing:
        if PYPI not in job.indexes:
            continue
        for step in job.steps:
            if not (step.is_our_action or step.is_pypa_action) or not step.publishes:
                continue
            if is_false(step.with_.get("attestations")):
                findings.append(
                    Finding(
                        name,
                        "warn",
                        f"job '{job.id}' publishes to PyPI with `attestations: false`: the "
                        "files carry no PEP 740 provenance, so PyPI cannot show (and nobody "
                        "can verify) which workflow built them",
                        "remove `attestations: false` (Trusted Publishing signs them with no "
                        "extra set-up)",
                        step.line,
                    )
                )
    return or_pass(findings, name, "every PyPI upload carries its attestations")
