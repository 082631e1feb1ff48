"""The decide stage: dry run or not, build or not, which index, which credentials. The
decisions are pure functions of the inputs and the event."""

from __future__ import annotations

from py_release.config import Config
from py_release.distributions.files import DistKind, scan_packages_dir
from py_release.environment import Environment
from py_release.errors import InputError, ReleaseError
from py_release.github.context import GitHubContext
from py_release.github.release import require_release_prerequisites
from py_release.index.credentials import StaticCredentials
from py_release.index.repositories import PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL
from py_release.plan import Decision, Plan, Record


class UntrustedEventError(ReleaseError):
    """A run whose code or data a fork can control (pull_request_target, workflow_run, a pull
    request from a fork) was asked to publish. Fix: publish on tags, releases or
    workflow_dispatch; only if you are sure, set ``allow-untrusted-events: true``."""


def decide_dry_run(config: Config, context: GitHubContext) -> tuple[bool, str]:
    if config.dry_run == "true":
        return True, "dry-run is true"
    untrusted = context.untrusted_event
    if untrusted and not config.allow_untrusted_events:
        if config.dry_run == "false":
            raise UntrustedEventError(
                f"dry-run is false, but {untrusted}: publishing from it would let a fork "
                "decide what is released",
                "publish on tag pushes, releases or workflow_dispatch, and leave pull "
                "requests to dry-run: auto; if this workflow really must publish from this "
                "event, set allow-untrusted-events: true",
            )
        return True, f"dry-run is auto and {untrusted}"
    if config.dry_run == "false":
        return False, "dry-run is false"
    if context.is_pull_request:
        return True, f"dry-run is auto and this is a {context.event_name} event"
    event = context.event_name or "a run outside GitHub Actions"
    return False, f"dry-run is auto and this is {event}"


def decide_build(config: Config, has_dists: bool) -> tuple[tuple[DistKind, ...], str]:
    """What to build: both (the wheel from the sdist), one of them, or nothing."""
    if config.build == "true":
        return BOTH, "build is true"
    if config.build == "false":
        return (), "build is false"
    if config.build in ("sdist", "wheel"):
        return (config.build,), f"build is {config.build}: only the {config.build} is built"
    if has_dists:
        return (), f"build is auto and {config.packages_dir} holds distributions"
    return BOTH, f"build is auto and {config.packages_dir} holds no distributions"


BOTH: tuple[DistKind, ...] = ("sdist", "wheel")


def decide_index(config: Config, context: GitHubContext) -> tuple[str, str]:
    """The upload URL, and why: ``repository`` (named or auto) over ``repository-url``."""
    if config.repository is None:
        return config.repository_url, "repository-url"
    if config.repository == "pypi":
        return PYPI_UPLOAD_URL, "repository is pypi"
    if config.repository == "testpypi":
        return TESTPYPI_UPLOAD_URL, "repository is testpypi"
    if config.repository != "auto":
        return config.repository, "repository is an upload URL"
    tag = context.tag
    if tag and _is_release_tag(config.release_tag_pattern, tag):
        return PYPI_UPLOAD_URL, f"repository is auto and tag {tag} is a release tag"
    if context.is_pull_request:
        return TESTPYPI_UPLOAD_URL, "repository is auto and this is a pull request (dry run)"
    why = (
        f"tag {tag} is not a release tag"
        if tag
        else f"{context.event_name or 'this run'} is not for a tag"
    )
    return TESTPYPI_UPLOAD_URL, f"repository is auto and {why}"


# A pattern that takes longer than this on a tag (at most a few hundred characters)
# backtracks without end; the stdlib's re cannot be stopped, the regex module can.
PATTERN_TIMEOUT = 1.0


def _is_release_tag(pattern: str, tag: str) -> bool:
    import regex

    try:
        return regex.search(pattern, tag, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise InputError(
            "release-tag-pattern",
            f"matching it against the tag {tag!r} took over {PATTERN_TIMEOUT:.0f} s: it "
            "backtracks without end (nested repetition such as (a|aa)+ does)",
            "simplify it, e.g. ^v[0-9]+\\.[0-9]+\\.[0-9]+$",
        ) from None


def decide(config: Config, context: GitHubContext, *, has_dists: bool) -> Decision:
    dry_run, dry_run_reason = decide_dry_run(config, context)
    if not dry_run and context.untrusted_event:
        dry_run_reason += f"; allow-untrusted-events is true, though {context.untrusted_event}"
    upload_url, index_reason = decide_index(config, context)
    build, build_reason = decide_build(config, has_dists)
    return Decision(
        dry_run=dry_run,
        dry_run_reason=dry_run_reason,
        build=build,
        build_reason=build_reason,
        index=config.sandbox.index_for(upload_url),
        index_reason=index_reason,
        credentials="password" if config.password else "trusted-publishing",
    )


def decide_stage(record: Record, env: Environment) -> Plan:
    """The plan every later stage extends; a release run that could not finish its GitHub
    Release is refused here, before anything is built or uploaded."""
    config = env.config
    contents = scan_packages_dir(config.packages_dir)
    decision = decide(config, env.context, has_dists=bool(contents.dists))
    mode = "dry run" if decision.dry_run else "release"
    env.reporter.info(f"mode: {mode} ({decision.dry_run_reason})")
    if not decision.dry_run and env.context.untrusted_event:
        env.reporter.warning(
            f"publishing although {env.context.untrusted_event} (allow-untrusted-events is "
            "true): a fork can change what this run releases",
            title="untrusted event",
        )
    for note in config.sandbox.notes():
        env.reporter.info(note)
    env.reporter.info(f"index: {decision.index.display} ({decision.index_reason})")
    if not decision.dry_run:
        require_release_prerequisites(config, env.context)
    plan = Plan(
        stages=record.stages,
        notes=record.notes,
        workflow_findings=record.workflow_findings,
        manual_checklist=record.manual_checklist,
        decision=decision,
        credentials=StaticCredentials(config.user, config.password),
    )
    return plan.with_stage(
        "decide", "done", f"{mode}: {decision.dry_run_reason}; {decision.build_reason}"
    )
