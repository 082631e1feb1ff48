"""What the GitHub API stand-in holds: the repositories and tokens it knows, the releases and
their assets, and every request it answered, under one lock."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Access = Literal["read", "write"]


@dataclass(frozen=True)
class TokenGrant:
    """What a registered token may do: its ``contents`` permission, on these repositories."""

    contents: Access
    repositories: frozenset[str]  # "owner/name", lower case


@dataclass
class StoredAsset:
    """An uploaded release asset."""

    id: int
    name: str
    label: str
    content_type: str
    data: bytes
    created_at: float

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class StoredRelease:
    """A release of a registered repository, draft or published, and its assets."""

    id: int
    repository: str
    tag_name: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    target_commitish: str
    created_at: float
    published_at: float | None
    assets: list[StoredAsset] = field(default_factory=list)


class GitHubState:
    """What every endpoint of :class:`GitHubApi` shares. ``url`` gives the server's web root
    once it listens (answers link to it); everything else is read and changed under ``lock``."""

    def __init__(self, *, digests: bool, clock: Callable[[], float], url: Callable[[], str]):
        self.digests = digests  # whether asset answers carry ``digest``
        self.clock = clock
        self._url = url
        self.lock = threading.Lock()
        self.tokens: dict[str, TokenGrant] = {}
        self.repositories: dict[str, str] = {}  # lower case -> as registered
        self._last_id = 1000
        self.releases: list[StoredRelease] = []
        # (method, path) of every request, in order, for tests that count what was sent.
        self.requests: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        """The web root (``GITHUB_SERVER_URL``), ``http://127.0.0.1:PORT``."""
        return self._url()

    @property
    def api_url(self) -> str:
        """The REST root (``GITHUB_API_URL``), as on GitHub Enterprise Server."""
        return f"{self.url}/api/v3"

    def web(self, repository: str) -> str:
        """The repository's web page."""
        return f"{self.url}/{repository}"

    def add_repository(self, full_name: str) -> None:
        """Register a repository (``owner/name``); every one is private."""
        with self.lock:
            self.repositories[full_name.lower()] = full_name

    def add_token(self, token: str, *, repositories: list[str], contents: Access) -> None:
        """A token (like a job's GITHUB_TOKEN) for these repositories with this ``contents``
        permission; metadata (the repository itself) is readable with either."""
        with self.lock:
            self.tokens[token] = TokenGrant(contents, frozenset(r.lower() for r in repositories))

    def release_for(self, repository: str, tag: str) -> StoredRelease | None:
        """The release of ``tag`` in ``repository``, draft or not, if there is one."""
        with self.lock:
            for release in self.releases:
                if release.repository.lower() == repository.lower() and release.tag_name == tag:
                    return release
        return None

    def new_id(self) -> int:
        """The next id; releases and assets share one sequence."""
        self._last_id += 1
        return self._last_id
