"""The release pipeline, on one screen.

configure -> doctor -> decide yield the plan; then build -> check -> audit -> authenticate ->
sign -> (query the index) -> upload -> verify -> github-release, each ``stage(plan, env) ->
Plan`` in the package that owns it; the report (step outputs and job summary) is written
last, after a failure too. Nothing is uploaded until every file is built, checked and signed.

A stage either returns a richer plan, returns one that is ``refused`` (it learnt something the
summary should show, then refused), or raises a ``ReleaseError`` (it learnt nothing new).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import cast

from py_release.configure import configure
from py_release.decide import decide_stage
from py_release.distributions.build import build_stage
from py_release.environment import Environment
from py_release.errors import ReleaseError
from py_release.plan import Plan, Record
from py_release.preload import preloading
from py_release.summary import publish_report
from py_release.workflow.audit import audit_stage as doctor_stage

StageFunction = Callable[[Plan, Environment], Plan]


def _reached(module: str, name: str) -> StageFunction:
    """The stage ``name`` of ``module``, imported when it is reached (or preloaded during the
    build): the first lines of a run do not wait for twine, pypi-simple or sigstore."""

    def stage(plan: Plan, env: Environment) -> Plan:
        run = cast("StageFunction", getattr(importlib.import_module(module), name))
        return run(plan, env)

    stage.__name__ = stage.__qualname__ = name
    stage.__module__ = module
    return stage


check_stage = _reached("py_release.distributions.check", "check_stage")
dependency_audit_stage = _reached("py_release.dependencies.stage", "audit_stage")
authenticate_stage = _reached("py_release.index.authenticate", "authenticate_stage")
sign_stage = _reached("py_release.attest.sign", "sign_stage")
query_stage = _reached("py_release.index.query", "query_stage")
upload_stage = _reached("py_release.index.upload", "upload_stage")
verify_stage = _reached("py_release.index.verify", "verify_stage")
github_release_stage = _reached("py_release.github.release", "github_release_stage")

# Before the decision: what every run does, whatever it then decides.
OPENING: tuple[Callable[[Record, Environment], Record], ...] = (configure, doctor_stage)
# After it, in order.
STAGES: tuple[StageFunction, ...] = (
    build_stage,
    check_stage,
    dependency_audit_stage,
    authenticate_stage,
    sign_stage,
    query_stage,
    upload_stage,
    verify_stage,
    github_release_stage,
)


def _read_listing_ahead(plan: Plan, env: Environment) -> None:
    # Once the file names are known, the index query's one read runs beside the check.
    from py_release.index.query import read_listing_ahead

    read_listing_ahead(plan, env)


def _start_own_lookups(env: Environment) -> None:
    # py-release's own packages are audited while the build runs (they are known already).
    if env.config.audit == "off":
        return  # and pip-audit is not even imported
    from py_release.dependencies.ahead import start_own_lookups

    start_own_lookups(env)


def modules_after_build(plan: Plan, env: Environment) -> tuple[str, ...]:
    """What the stages after the build will import, in the order they need it; only what
    this run will use (sigstore is most of a second)."""
    modules = [
        "py_release.distributions.check",
    ]
    # The audit stage writes the SBOM (cyclonedx, a tenth of a second) whatever audit says;
    # pip-audit (whose import runs `pip --version`) comes with the own-package lookups this
    # thread starts when the audit is on.
    modules.append("py_release.dependencies.stage")
    modules += [
        "py_release.index.authenticate",
        "py_release.index.query",
        "pypi_simple",  # imported by the index query when it is first used
        "py_release.index.upload",
        "py_release.index.verify",
    ]
    signing = (
        env.config.attestations
        and plan.decision.credentials != "password"
        and not plan.decision.dry_run
    )
    if signing:
        modules += ["py_release.attest.sign", "py_release.attest.provenance"]
    if env.config.github_release != "false":
        modules.append("py_release.github.release")
    return tuple(modules)


def run_release(env: Environment) -> Plan:
    """Run every stage, then write the outputs and the job summary.

    Raises the ``ReleaseError`` that stopped the release, after reporting it with everything
    known up to it.
    """
    # What the report shows after a failure: the latest record, decided or not.
    record: Record = Record()
    try:
        for opening in OPENING:
            record = opening(record, env)
            _raise_refusal(record)
        record = plan = decide_stage(record, env)
        for stage in STAGES:
            # The build waits on the backend's subprocesses; the later stages' imports fill
            # that time.
            later = (
                modules_after_build(plan, env)
                if stage is build_stage and plan.decision.build
                else ()
            )
            ahead = functools.partial(_start_own_lookups, env) if stage is build_stage else None
            with preloading(later, first=ahead):
                record = plan = stage(plan, env)
            _raise_refusal(plan)
            if stage is build_stage and plan.dists:
                _read_listing_ahead(plan, env)
    except ReleaseError as error:
        publish_report(record, env.reporter, failure=error)
        raise
    plan = plan.with_stage("report", "done", "outputs and job summary written")
    publish_report(plan, env.reporter, failure=None)
    return plan


def _raise_refusal(record: Record) -> None:
    if record.failure is not None:
        raise record.failure
