"""What every stage may use besides the plan: the run's configuration and its collaborators.

Stages take ``(plan, env)`` and never reach for globals, so a test swaps any collaborator (the
clock, the sleep, the ID-token source, the HTTP session) by building its own ``Environment``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from py_release.config import Config
from py_release.github.context import GitHubContext
from py_release.index.retry import RetryPolicy
from py_release.index.trusted_publishing import IdTokenSource, github_id_token
from py_release.reporter import Reporter


@dataclass(frozen=True)
class Environment:
    config: Config
    context: GitHubContext
    reporter: Reporter
    # For the index's and GitHub's read and token requests; uploads open their own per thread.
    session: requests.Session
    id_tokens: IdTokenSource
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    retry: RetryPolicy


def release_environment(
    *,
    config: Config,
    context: GitHubContext,
    reporter: Reporter,
    session: requests.Session,
    id_tokens: IdTokenSource = github_id_token,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy | None = None,
) -> Environment:
    """The production wiring, with each collaborator replaceable by keyword. No I/O."""
    return Environment(
        config=config,
        context=context,
        reporter=reporter,
        session=session,
        id_tokens=id_tokens,
        clock=clock,
        sleep=sleep,
        retry=retry or RetryPolicy(),
    )
