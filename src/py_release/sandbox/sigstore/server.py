"""The local Sigstore as one loopback server: Fulcio's and Rekor's routes on a free port of
127.0.0.1, and the ClientTrustConfig file that points a Sigstore client at them."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from pathlib import Path

from sigstore.models import ClientTrustConfig, TrustedRoot

from py_release.sandbox._http import LoopbackServer, ScratchFolder, ServedOnLoopback
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.sigstore.ca import LocalCA
from py_release.sandbox.sigstore.fulcio import Fulcio
from py_release.sandbox.sigstore.rekor import Rekor
from py_release.sandbox.sigstore.trust import client_trust_config

TRUST_CONFIG_NAME = "trust-config.json"


class LocalSigstore(ServedOnLoopback):
    """``with LocalSigstore(issuer=issuer) as sigstore:`` serves a Fulcio that certifies the
    jobs ``issuer`` vouches for and a Rekor v1 log, until the block ends.

    Give a Sigstore client ``trust_config_path`` (``ClientTrustConfig.from_json``, or
    ``sigstore --trust-config``); verify what it signed against ``trusted_root``. The keys are
    made here, once; the clock decides certificate validity and log times.
    """

    served_as = "Sigstore (Fulcio and Rekor)"
    _folder: ScratchFolder

    def __init__(
        self,
        *,
        issuer: GitHubIssuer,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._folder = ScratchFolder(root, prefix="py-release-sigstore-", owner="local Sigstore")
        self._trust_config_path: Path | None = None
        self._ca = LocalCA(now=datetime.datetime.fromtimestamp(clock(), tz=datetime.UTC))
        self._fulcio = Fulcio(ca=self._ca, issuer=issuer, clock=clock)
        self._rekor = Rekor(clock=clock)
        self._server = LoopbackServer(
            [
                ("POST", "/api/v2/signingCert", self._fulcio.signing_cert),
                ("GET", "/api/v2/trustBundle", self._fulcio.trust_bundle),
                ("GET", "/api/v1/log", self._rekor.log_info),
                ("POST", "/api/v1/log/entries", self._rekor.create_entry),
                ("GET", "/api/v1/log/entries", self._rekor.entry_by_index),
                ("GET", "/api/v1/log/entries/<uuid>", self._rekor.entry_by_uuid),
            ]
        )

    # -- where it listens ------------------------------------------------------------------

    @property
    def fulcio_url(self) -> str:
        """``http://127.0.0.1:PORT``: Fulcio's base URL (its CT log's too)."""
        return self._server.url

    @property
    def rekor_url(self) -> str:
        """``http://127.0.0.1:PORT``: Rekor's base URL (the same server as Fulcio)."""
        return self._server.url

    @property
    def trust_config_path(self) -> Path:
        if self._trust_config_path is None:
            raise RuntimeError("the local Sigstore is not running; use it in a with block")
        return self._trust_config_path

    def trust_config(self) -> ClientTrustConfig:
        """A fresh ClientTrustConfig read from ``trust_config_path``, as a client reads it."""
        return ClientTrustConfig.from_json(self.trust_config_path.read_text(encoding="utf-8"))

    @property
    def trusted_root(self) -> TrustedRoot:
        """What a verifier trusts: the CA, the CT log key and the Rekor key."""
        return self.trust_config().trusted_root

    # -- what it did -----------------------------------------------------------------------

    @property
    def entries(self) -> int:
        """How many entries the Rekor log holds."""
        return self._rekor.size

    @property
    def certificates_issued(self) -> int:
        return self._fulcio.certificates_issued

    # -- running ---------------------------------------------------------------------------

    def _on_start(self) -> None:
        # The trust configuration names the servers' URLs, so it is written once they listen.
        document = client_trust_config(
            ca=self._ca,
            rekor_key=self._rekor.key.public_key(),
            fulcio_url=self.fulcio_url,
            rekor_url=self.rekor_url,
        )
        path = self._folder.path / TRUST_CONFIG_NAME
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        self._trust_config_path = path

    def _on_stop(self) -> None:
        self._trust_config_path = None
