"""Pure decisions: dry run or not, build or not, which credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from py_release.config import Config
from py_release.github.context import GitHubContext
from py_release.index.repositories import IndexInfo, index_info

Credentials = Literal["password", "trusted-publishing"]


@dataclass(frozen=True)
class Decision:
    dry_run: bool
    dry_run_reason: str
    build: bool
    build_reason: str
    index: IndexInfo
    credentials: Credentials


def decide_dry_run(config: Config, context: GitHubContext) -> tuple[bool, str]:
    if config.dry_run == "true":
        return True, "dry-run is true"
    if config.dry_run == "false":
        return False, "dry-run is false"
    if context.is_pull_request:
        return True, f"dry-run is auto and this is a {context.event_name} event"
    event = context.event_name or "a run outside GitHub Actions"
    return False, f"dry-run is auto and this is {event}"


def decide_build(config: Config, has_dists: bool) -> tuple[bool, str]:
    if config.build == "true":
        return True, "build is true"
    if config.build == "false":
        return False, "build is false"
    if has_dists:
        return False, f"build is auto and {config.packages_dir} holds distributions"
    return True, f"build is auto and {config.packages_dir} holds no distributions"


def decide(config: Config, context: GitHubContext, *, has_dists: bool) -> Decision:
    dry_run, dry_run_reason = decide_dry_run(config, context)
    build, build_reason = decide_build(config, has_dists)
    return Decision(
        dry_run=dry_run,
        dry_run_reason=dry_run_reason,
        build=build,
        build_reason=build_reason,
        index=index_info(config.repository_url),
        credentials="password" if config.password else "trusted-publishing",
    )
