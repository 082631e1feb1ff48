"""The release pipeline, on one screen.

configure -> audit -> decide yield the plan; then build -> check -> authenticate -> sign ->
(query the index) -> upload -> verify -> github-release, each ``stage(plan, env) -> Plan`` in
the package that owns it; the report (step outputs and job summary) is written last, after a
failure too. Nothing is uploaded until every file is built, checked and signed.

A stage either returns a richer plan, returns one that is ``refused`` (it learnt something the
summary should show, then refused), or raises a ``ReleaseError`` (it learnt nothing new).
"""

from __future__ import annotations

from collections.abc import Callable

from py_release.configure import configure
from py_release.decide import decide_stage
from py_release.distributions.build import build_stage
from py_release.distributions.check import check_stage
from py_release.environment import Environment
from py_release.errors import ReleaseError
from py_release.index.authenticate import authenticate_stage
from py_release.index.query import query_stage
from py_release.index.upload import upload_stage
from py_release.index.verify import verify_stage
from py_release.plan import Plan, Record
from py_release.summary import publish_report
from py_release.workflow.audit import audit_stage


def sign_stage(plan: Plan, env: Environment) -> Plan:
    # Imported when reached: sigstore is most of a second, and the first lines of a run
    # should not wait for it.
    from py_release.attest.sign import sign_stage as sign

    return sign(plan, env)


def github_release_stage(plan: Plan, env: Environment) -> Plan:
    from py_release.github.release import github_release_stage as release

    return release(plan, env)


# Before the decision: what every run does, whatever it then decides.
OPENING: tuple[Callable[[Record, Environment], Record], ...] = (configure, audit_stage)
# After it, in order.
STAGES: tuple[Callable[[Plan, Environment], Plan], ...] = (
    build_stage,
    check_stage,
    authenticate_stage,
    sign_stage,
    query_stage,
    upload_stage,
    verify_stage,
    github_release_stage,
)


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
            record = plan = stage(plan, env)
            _raise_refusal(plan)
    except ReleaseError as error:
        publish_report(record, env.reporter, failure=error)
        raise
    plan = plan.with_stage("report", "done", "outputs and job summary written")
    publish_report(plan, env.reporter, failure=None)
    return plan


def _raise_refusal(record: Record) -> None:
    if record.failure is not None:
        raise record.failure
