"""The warehouse stand-in as a server: its settings, its routes to the endpoints, and
starting and stopping it."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from sigstore.models import TrustedRoot

from py_release.sandbox._http import LoopbackServer, ServedOnLoopback
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse.oidc import TokenExchange
from py_release.sandbox.warehouse.reads import ReadApis
from py_release.sandbox.warehouse.upload import LegacyUpload


class Warehouse(TokenExchange, LegacyUpload, ReadApis, ServedOnLoopback):
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
    ) -> None:
        super().__init__(
            issuer=issuer,
            audience=audience,
            trusted_publishing=trusted_publishing,
            token_lifetime=token_lifetime,
            root=root,
            clock=clock,
            trusted_root=trusted_root,
        )
        self._server = LoopbackServer(
            [
                ("GET", "/_/oidc/audience", self._audience),
                ("POST", "/_/oidc/mint-token", self._mint_token),
                ("POST", "/_/oidc/github/mint-token", self._mint_token),
                ("POST", "/legacy/", self._upload),
                ("POST", "/legacy", self._legacy_no_slash),
                ("GET", "/simple/", self._simple_index),
                ("GET", "/simple/<project>/", self._simple_project),
                ("GET", "/files/<filename>", self._file),
                ("GET", "/pypi/<project>/json", self._json_project),
                ("GET", "/pypi/<project>/<version>/json", self._json_release),
                ("GET", "/integrity/<project>/<version>/<filename>/provenance", self._provenance),
            ]
        )

    # -- where it listens -----------------------------------------------------------------

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

    def __enter__(self) -> Self:
        if self._root is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="py-release-warehouse-")
            self._root = Path(self._scratch.name)
        (self._root / "files").mkdir(parents=True, exist_ok=True)
        (self._root / "incoming").mkdir(parents=True, exist_ok=True)
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self._root = None
