"""The github-release stage: after the upload and its check, the GitHub Release of the tag with
the distributions and their attestations, or in a dry run what would be done."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urldefrag

from py_release.config import Config
from py_release.github.assets import body_section, is_prerelease, local_assets
from py_release.github.context import GitHubContext
from py_release.github.rest import GitHubReleaseError, ReleaseRequest, publish_release
from py_release.secrets import Secret

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan

STAGE: Final = "github-release"


def _request(plan: Plan, context: GitHubContext, tag: str, *, draft: bool) -> ReleaseRequest:
    index = plan.decision.index
    file_links = {
        name: urldefrag(found.url).url for name, found in plan.on_index.items() if found.url
    }
    provenance_links = {
        record.file: index.provenance_url(plan.project, plan.version, record.file)
        for record in plan.attestations
    }
    assets = local_assets(
        plan.dists,
        [(record.file, Path(record.path)) for record in plan.attestations],
        file_links=file_links,
        provenance_links=provenance_links,
        sbom=plan.sbom,
    )
    project_url = index.project_url(plan.project, plan.version)
    return ReleaseRequest(
        api_url=context.api_url,
        repository=context.repository or "",
        tag=tag,
        draft=draft,
        prerelease=is_prerelease(plan.version),
        section=body_section(plan.project, plan.version, project_url, assets),
        assets=assets,
    )


def _describe(request: ReleaseRequest) -> str:
    kind = "pre-release" if request.prerelease else "release"
    if request.draft:
        kind = f"draft {kind}"
    return (
        f"the GitHub {kind} of {request.tag} in {request.repository or '(no repository)'} "
        f"with {len(request.assets)} assets"
    )


def require_release_prerequisites(config: Config, context: GitHubContext) -> None:
    """Refuse a release run that could not make its GitHub Release, before anything is built
    or uploaded; the stage checks again in case it runs on its own."""
    if config.github_release != "false" and context.tag is not None:
        release_token(config, context)


def release_token(config: Config, context: GitHubContext) -> Secret:
    """The token the GitHub Release is made with; refused when the release cannot be made."""
    if not context.repository:
        raise GitHubReleaseError(
            "cannot tell which repository the GitHub Release belongs to (GITHUB_REPOSITORY is "
            "not set)",
            "run in GitHub Actions, or set GITHUB_REPOSITORY=owner/name; or set "
            "github-release: false",
        )
    if not config.github_token:
        raise GitHubReleaseError(
            "github-release is on, but there is no token to talk to GitHub with",
            "leave github-token at its default (the job's token) in the action; on the command "
            "line set GITHUB_TOKEN",
        )
    return config.github_token


def _with_index_attestations(plan: Plan, env: Environment) -> Plan:
    """The plan with the index's own attestations for the files this run did not send."""
    not_sent = {
        name for name, status in plan.statuses.items() if status in ("skipped", "already on index")
    }
    if not plan.attestations or not not_sent:
        return plan
    from py_release.attest.provenance import adopt_index_attestations

    attestations = adopt_index_attestations(
        plan.attestations,
        plan.dists,
        not_sent,
        index=plan.decision.index,
        project=plan.project,
        version=plan.version,
        trust_config_path=env.config.sigstore_trust_config,
        session=env.session,
        log=env.reporter.info,
        concurrency=env.config.concurrency,
    )
    return replace(plan, attestations=attestations)


def github_release_stage(plan: Plan, env: Environment) -> Plan:
    """The GitHub Release of the tag, made or completed after the upload and its check; in a
    dry run, what would be done."""
    config, context, reporter = env.config, env.context, env.reporter
    if config.github_release == "false":
        return plan.with_stage(STAGE, "not configured", "github-release is false")
    tag = context.tag
    if tag is None:
        # A note, not a warning: one step commonly serves branch pushes (TestPyPI) and tag
        # pushes (PyPI, with the release), and a warning on every branch push would be noise.
        reason = f"this run is for {context.ref}" if context.ref else "this run has no ref"
        reporter.info(f"github-release needs a tag; skipped ({reason})")
        return plan.with_stage(STAGE, "skipped", f"github-release needs a tag; {reason}")
    draft = config.github_release == "draft"
    if plan.decision.dry_run:
        what = _describe(_request(plan, context, tag, draft=draft))
        reporter.info(f"dry run: would create or complete {what} (GitHub's API was not called)")
        return plan.with_stage(
            STAGE, "skipped", f"dry run: would create or complete {what}; the API was not called"
        )
    token = release_token(config, context)
    plan = _with_index_attestations(plan, env)
    request = _request(plan, context, tag, draft=draft)
    with reporter.group(f"GitHub Release {tag} ({context.api_url})"):
        outcome = publish_release(request, token, log=reporter.info)
    state = "draft" if outcome.draft else "published"
    if outcome.prerelease:
        state += ", pre-release"
    action = "created" if outcome.created else "updated"
    reporter.info(f"GitHub Release {tag} {action} ({state}): {outcome.url}")
    detail = (
        f"{action} {outcome.url} ({state}): {len(outcome.uploaded)} assets uploaded, "
        f"{len(outcome.same)} already there"
    )
    return replace(plan, release_url=outcome.url).with_stage(STAGE, "done", detail)
