"""The warehouse stand-in as a server: its state, served on loopback by its route table, and
what a test sets up and reads back through it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sigstore.models import TrustedRoot

from py_release.sandbox._http import LoopbackServer, ScratchFolder, ServedOnLoopback, bound_to
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse.advisories import Advisories
from py_release.sandbox.warehouse.routes import ROUTES
from py_release.sandbox.warehouse.state import TrustedPublisher, WarehouseState
from py_release.secrets import Secret


class Warehouse(ServedOnLoopback):
    """``with Warehouse(issuer=issuer) as index:`` runs the stand-in until the block ends.

    Register who may publish with :meth:`add_publisher`; exchange an ID token from ``issuer``
    at ``/_/oidc/mint-token``; upload to ``upload_url`` with ``__token__`` and the minted token.
    The clock decides token lifetimes (the ID token's ``exp``/``nbf``/``iat`` and the minted
    token's expiry), so a test can move time; share it with the issuer when you do.

    ``trusted_root`` is the Sigstore the index trusts for PEP 740 attestations (the sandbox's
    :class:`~py_release.sandbox.sigstore.LocalSigstore`); without one, uploads that carry
    attestations are refused, since they cannot be verified.
    """

    served_as = "warehouse"
    _folder: ScratchFolder

    def __init__(
        self,
        *,
        issuer: GitHubIssuer,
        audience: str = "pypi",
        trusted_publishing: bool = True,
        token_lifetime: int = 900,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
        trusted_root: TrustedRoot | None = None,
        advisories: Advisories | None = None,
    ) -> None:
        self._state = WarehouseState(
            issuer=issuer,
            audience=audience,
            trusted_publishing=trusted_publishing,
            token_lifetime=token_lifetime,
            root=root,
            clock=clock,
            trusted_root=trusted_root,
            advisories=advisories,
        )
        self._folder = self._state.folder
        self._server = LoopbackServer(bound_to(self._state, ROUTES))

    # -- set-up -----------------------------------------------------------------------------

    def add_publisher(self, publisher: TrustedPublisher) -> None:
        """Register a trusted publisher (as a project owner does on PyPI)."""
        self._state.add_publisher(publisher)

    def add_project(self, name: str) -> None:
        """Create an empty project, as if someone had registered the name before."""
        self._state.add_project(name)

    # -- where it listens -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._server.url

    @property
    def upload_url(self) -> str:
        return f"{self.url}/legacy/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    # -- what it holds and what clients did -------------------------------------------------

    def files(self, project: str) -> dict[str, str]:
        """What the index holds for ``project``: file name -> sha256."""
        return self._state.files(project)

    @property
    def root(self) -> Path:
        """Where the files are kept: ``files/`` as served, ``incoming/`` while received."""
        return self._state.root

    @property
    def minted(self) -> list[Secret]:
        """Every upload token minted, in order."""
        return self._state.minted

    @property
    def uploads(self) -> list[tuple[str, int]]:
        """(filename, status) of every upload, in order."""
        return self._state.uploads

    # -- running ----------------------------------------------------------------------------

    def _on_start(self) -> None:
        (self.root / "files").mkdir(exist_ok=True)
        (self.root / "incoming").mkdir(exist_ok=True)
