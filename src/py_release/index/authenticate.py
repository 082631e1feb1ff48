"""The authenticate stage: the password input as given, or Trusted Publishing — the job's ID
token exchanged for a short-lived upload token before anything is uploaded."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from py_release.index.credentials import TrustedPublishingCredentials
from py_release.index.nudges import publisher_setup_note, token_nudges
from py_release.index.trusted_publishing import check_job_can_publish, get_audience, oidc_base

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan


def authenticate_stage(plan: Plan, env: Environment) -> Plan:
    """The plan with the credentials the upload will use; a refused exchange raises here, so
    nothing is signed or uploaded."""
    decision = plan.decision
    if decision.credentials == "password":
        plan = _nudge_tokens(plan, env)
        return plan.with_stage(
            "authenticate", "done", f"user {env.config.user} with the password input"
        )
    context = env.context
    if decision.dry_run:
        present = "present" if context.id_token_available else "absent"
        detail = (
            f"a real run would use Trusted Publishing; the ID-token request variables are {present}"
        )
        if not context.id_token_available:
            detail += " (a real run needs `permissions: id-token: write` on the job)"
        return plan.with_stage("authenticate", "skipped", f"dry run: {detail}")
    check_job_can_publish(context)
    base = oidc_base(decision.index.upload_url)
    audience = get_audience(env.session, base)
    credentials = TrustedPublishingCredentials(
        session=env.session,
        base=base,
        audience=audience,
        project=plan.project,
        id_tokens=env.id_tokens,
        reporter=env.reporter,
        clock=env.clock,
    )
    credentials.password()  # mint now: a refusal stops the run before any upload
    return replace(plan, credentials=credentials).with_stage(
        "authenticate",
        "done",
        f"Trusted Publishing: exchanged the job's ID token (audience {audience}) for a "
        f"short-lived token for {plan.project}",
    )


def _nudge_tokens(plan: Plan, env: Environment) -> Plan:
    """The reference action's warnings about stored tokens, and the Trusted Publishing set-up
    link in the summary when any applies."""
    index = plan.decision.index
    nudges = token_nudges(index, env.config.user, env.config.password)
    for nudge in nudges:
        env.reporter.warning(nudge.message, title=nudge.title)
    if not nudges:
        return plan
    return plan.with_note(publisher_setup_note(index, plan.project, env.context))
