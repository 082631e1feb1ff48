"""The GitHub API stand-in as a server: its state, served on loopback by its route table with
every request recorded and answered under the state's lock, and what a test sets up and reads
back through it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import Endpoint, Handler, LoopbackServer, ServedOnLoopback
from py_release.sandbox.github_api.access import ApiError
from py_release.sandbox.github_api.routes import ROUTES
from py_release.sandbox.github_api.state import Access, GitHubState, StoredRelease


def _guarded(state: GitHubState, endpoint: Endpoint[GitHubState]) -> Handler:
    """``endpoint`` as a handler: one request at a time, recorded, its ApiError answered."""

    def respond(request: Request, **arguments: Any) -> Response:
        with state.lock:
            state.requests.append((request.method, request.path))
            try:
                return endpoint(state, request, **arguments)
            except ApiError as error:
                return error.response()

    return respond


class GitHubApi(ServedOnLoopback):
    """``with GitHubApi() as api:`` serves the API until the block ends.

    Register repositories with :meth:`add_repository` and tokens with :meth:`add_token`; point
    a client at :attr:`api_url`. :attr:`releases` and :attr:`requests` show what clients did.
    ``digests=False`` leaves ``digest`` out of asset answers, as GitHub Enterprise Server
    releases from before GitHub added it do.
    """

    served_as = "GitHub API"

    def __init__(self, *, digests: bool = True, clock: Callable[[], float] = time.time) -> None:
        # The answers link to the server, whose port is known only once it listens.
        self._state = GitHubState(digests=digests, clock=clock, url=lambda: self.url)
        self._server = LoopbackServer(
            [(method, rule, _guarded(self._state, endpoint)) for method, rule, endpoint in ROUTES]
        )

    # -- set-up -----------------------------------------------------------------------------

    def add_repository(self, full_name: str) -> None:
        """Register a repository (``owner/name``); every one is private."""
        self._state.add_repository(full_name)

    def add_token(self, token: str, *, repositories: list[str], contents: Access) -> None:
        """A token (like a job's GITHUB_TOKEN) for these repositories with this ``contents``
        permission; metadata (the repository itself) is readable with either."""
        self._state.add_token(token, repositories=repositories, contents=contents)

    # -- where it listens -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The web root (``GITHUB_SERVER_URL``), ``http://127.0.0.1:PORT``."""
        return self._server.url

    @property
    def api_url(self) -> str:
        """The REST root (``GITHUB_API_URL``), as on GitHub Enterprise Server."""
        return f"{self.url}/api/v3"

    # -- what clients did -------------------------------------------------------------------

    @property
    def releases(self) -> list[StoredRelease]:
        """Every release, in the order made."""
        return self._state.releases

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request, in order, for tests that count what was sent."""
        return self._state.requests

    def release_for(self, repository: str, tag: str) -> StoredRelease | None:
        """The release of ``tag`` in ``repository``, draft or not, if there is one."""
        return self._state.release_for(repository, tag)
