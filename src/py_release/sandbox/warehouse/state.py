"""What the warehouse stand-in holds and who may publish to it: trusted publishers, projects
with their releases and files, minted tokens and used token ids, under one lock, and the
files' place on disk."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from pypi_attestations import Provenance
from sigstore.models import TrustedRoot

from py_release.sandbox.issuer import GitHubIssuer
from py_release.secrets import Secret


@dataclass(frozen=True)
class TrustedPublisher:
    """A trusted publisher as registered on PyPI's form: this workflow may publish ``project``.

    ``environment`` empty means any environment; a ``pending`` publisher may only create a new
    project (on its first use, as on PyPI).
    """

    project: str
    repository: str
    repository_owner_id: str
    workflow_file: str
    environment: str = ""
    pending: bool = False


# -- what it holds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    """A registered publisher, as warehouse matches it against an ID token's claims."""

    owner: str
    name: str
    owner_id: str
    workflow_file: str
    environment: str  # lower case; "" matches any

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class IndexToken:
    """An API token minted from an ID token: whose it is, for which projects, and when."""

    publisher: Publisher
    projects: frozenset[str]  # normalised names
    not_before: int
    expires_at: int


@dataclass(frozen=True)
class ReleaseFile:
    """One uploaded file, with what the simple and JSON APIs say about it."""

    filename: str
    version: str
    packagetype: str
    python_version: str
    size: int
    md5: str
    sha256: str
    blake2_256: str
    uploaded_at: float
    metadata_sha256: str | None
    provenance: Provenance | None = None  # the verified PEP 740 attestations, if any


@dataclass
class Release:
    """One version of a project and its files."""

    version: str
    requires_python: str | None
    summary: str | None
    created_at: float
    files: list[ReleaseFile] = field(default_factory=list)


@dataclass
class Project:
    """A project under its latest spelling, and its releases."""

    name: str
    releases: dict[str, Release] = field(default_factory=dict)  # canonical version -> release

    @property
    def normalized(self) -> str:
        return canonicalize_name(self.name)

    def files(self) -> list[ReleaseFile]:
        return [f for release in self.releases.values() for f in release.files]


class WarehouseState:
    """The state every endpoint of :class:`Warehouse` shares; the endpoints' mixins build on it."""

    def __init__(
        self,
        *,
        issuer: GitHubIssuer,
        audience: str,
        trusted_publishing: bool,
        token_lifetime: int,
        root: Path | None,
        clock: Callable[[], float],
        trusted_root: TrustedRoot | None,
    ) -> None:
        self._issuer = issuer
        self.trusted_root = trusted_root
        self.audience = audience
        self.trusted_publishing = trusted_publishing
        self.token_lifetime = token_lifetime
        self._root = root
        self._clock = clock
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.RLock()
        self._keys: dict[str, dict[str, Any]] = {}
        self._publishers: dict[Publisher, set[str]] = {}
        self._pending: dict[Publisher, str] = {}
        self._projects: dict[str, Project] = {}
        self._tokens: dict[str, IndexToken] = {}
        self._used_jti: dict[str, int] = {}
        self._serial = 0
        self.minted: list[Secret] = []
        self.uploads: list[tuple[str, int]] = []

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("the warehouse is not running; use it in a with block")
        return self._root

    def add_publisher(self, publisher: TrustedPublisher) -> None:
        """Register a trusted publisher (as a project owner does on PyPI)."""
        owner, _, name = publisher.repository.partition("/")
        if not owner or not name:
            raise ValueError(f"repository must be owner/name, not {publisher.repository!r}")
        key = Publisher(
            owner, name, publisher.repository_owner_id, publisher.workflow_file,
            publisher.environment.lower(),
        )  # fmt: skip
        with self._lock:
            if publisher.pending:
                self._pending[key] = publisher.project
            else:
                self._publishers.setdefault(key, set()).add(canonicalize_name(publisher.project))

    def add_project(self, name: str) -> None:
        """Create an empty project, as if someone had registered the name before."""
        with self._lock:
            self._projects.setdefault(canonicalize_name(name), Project(name))

    def files(self, project: str) -> dict[str, str]:
        """What the index holds for ``project``: file name -> sha256."""
        with self._lock:
            found = self._projects.get(canonicalize_name(project))
            return {f.filename: f.sha256 for f in found.files()} if found else {}

    def _now(self) -> int:
        return int(self._clock())

    def _file_named_or_hashed(self, filename: str, blake2_256: str) -> ReleaseFile | None:
        for project in self._projects.values():
            for held in project.files():
                if held.filename == filename or held.blake2_256 == blake2_256:
                    return held
        return None
