"""What every stage may use besides the plan: the run's configuration and its collaborators.

Stages take ``(plan, env)`` and never reach for globals, so a test swaps any collaborator (the
clock, the sleep, the ID-token source, the HTTP session) by building its own ``Environment``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from py_release.config import Config
from py_release.github.context import GitHubContext
from py_release.index.retry import RetryPolicy
from py_release.reporter import Reporter
from py_release.secrets import Secret

if TYPE_CHECKING:
    from concurrent.futures import Future

    import requests

    from py_release.dependencies.audit import Lookups
    from py_release.index.query import IndexFile, ListingKey
    from py_release.index.trusted_publishing import IdTokenSource


@dataclass(frozen=True)
class Environment:
    config: Config
    context: GitHubContext
    reporter: Reporter
    open_session: Callable[[], requests.Session]
    id_tokens: IdTokenSource
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    retry: RetryPolicy
    # Index listings read in the background from the end of the build, taken by the query
    # stage (py_release.index.query.read_listing_ahead).
    listings_ahead: dict[ListingKey, Future[dict[str, IndexFile]]] = field(default_factory=dict)
    # py-release's own packages looked up during the build, taken by the audit stage
    # (py_release.dependencies.ahead).
    audit_ahead: dict[str, Future[Lookups]] = field(default_factory=dict)

    @cached_property
    def session(self) -> requests.Session:
        """For the index's and GitHub's read and token requests (uploads open their own per
        thread). Opened when first used: requests is a tenth of a second of imports, and the
        build, which comes first, makes no request."""
        return self.open_session()

    def close(self) -> None:
        """Close the session, if one was opened."""
        opened = self.__dict__.get("session")
        if opened is not None:
            opened.close()


def _new_session() -> requests.Session:
    import requests

    return requests.Session()


def _github_id_token(audience: str) -> Secret:
    # Imported when a token is asked for: the id library and requests come with it.
    from py_release.index.trusted_publishing import github_id_token

    return github_id_token(audience)


def release_environment(
    *,
    config: Config,
    context: GitHubContext,
    reporter: Reporter,
    session: requests.Session | None = None,
    id_tokens: IdTokenSource = _github_id_token,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy | None = None,
) -> Environment:
    """The production wiring, with each collaborator replaceable by keyword. No I/O. Without
    ``session``, one is opened when first used; ``Environment.close`` closes it."""
    return Environment(
        config=config,
        context=context,
        reporter=reporter,
        open_session=_new_session if session is None else lambda: session,
        id_tokens=id_tokens,
        clock=clock,
        sleep=sleep,
        retry=retry or RetryPolicy(),
    )
