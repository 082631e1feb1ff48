"""What the warehouse stand-in holds and who may publish to it: trusted publishers, projects
with their releases and files, minted tokens and used token ids, under one lock, and the
files' place on disk."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from pypi_attestations import Provenance
from sigstore.models import TrustedRoot

from py_release.sandbox._http import ScratchFolder
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse.advisories import Advisories
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
    """What every endpoint of :class:`Warehouse` shares: its settings, who may publish, what it
    holds, the tokens it minted and the ID tokens it took, and the folder its files are in.
    The registries are read and changed under ``lock``."""

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
        advisories: Advisories | None = None,
    ) -> None:
        self.issuer = issuer
        # The JSON API's vulnerability data, and the projects PyPI has that we hold no files of.
        self.advisories = advisories or Advisories()
        self.trusted_root = trusted_root
        self.audience = audience
        self.trusted_publishing = trusted_publishing
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.folder = ScratchFolder(root, prefix="py-release-warehouse-", owner="warehouse")
        self.lock = threading.RLock()
        self.keys: dict[str, dict[str, Any]] = {}  # the issuer's JWKs by kid
        self.publishers: dict[Publisher, set[str]] = {}  # -> the projects' normalised names
        self.pending: dict[Publisher, str] = {}  # -> the project it may create
        self.projects: dict[str, Project] = {}  # normalised name -> project
        self.tokens: dict[str, IndexToken] = {}  # minted token -> what it may do
        self.used_jti: dict[str, int] = {}  # ID token's jti -> until when it is remembered
        self.serial = 0  # PyPI's last serial: one more for every file kept
        self.minted: list[Secret] = []
        self.uploads: list[tuple[str, int]] = []  # (filename, status) of every upload

    @property
    def root(self) -> Path:
        """Where the files are kept: ``files/`` as served, ``incoming/`` while received."""
        return self.folder.path

    def add_publisher(self, publisher: TrustedPublisher) -> None:
        """Register a trusted publisher (as a project owner does on PyPI)."""
        owner, _, name = publisher.repository.partition("/")
        if not owner or not name:
            raise ValueError(f"repository must be owner/name, not {publisher.repository!r}")
        key = Publisher(
            owner, name, publisher.repository_owner_id, publisher.workflow_file,
            publisher.environment.lower(),
        )  # fmt: skip
        with self.lock:
            if publisher.pending:
                self.pending[key] = publisher.project
            else:
                self.publishers.setdefault(key, set()).add(canonicalize_name(publisher.project))

    def add_project(self, name: str) -> None:
        """Create an empty project, as if someone had registered the name before."""
        with self.lock:
            self.projects.setdefault(canonicalize_name(name), Project(name))

    def files(self, project: str) -> dict[str, str]:
        """What the index holds for ``project``: file name -> sha256."""
        with self.lock:
            found = self.projects.get(canonicalize_name(project))
            return {f.filename: f.sha256 for f in found.files()} if found else {}

    def now(self) -> int:
        """The clock's time in whole seconds, as tokens' times are."""
        return int(self.clock())

    def file_named_or_hashed(self, filename: str, blake2_256: str) -> ReleaseFile | None:
        """The file held under this name, or with this content, in any project."""
        for project in self.projects.values():
            for held in project.files():
                if held.filename == filename or held.blake2_256 == blake2_256:
                    return held
        return None
