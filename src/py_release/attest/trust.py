"""Which Sigstore to sign with and verify against: the public one, or a private deployment's
trust config."""

from __future__ import annotations

import functools
from pathlib import Path

from sigstore.errors import Error as SigstoreError
from sigstore.models import ClientTrustConfig, TrustedRoot

from py_release.errors import InputError, ReleaseError


class SigstoreUnreachable(ReleaseError):
    """The public Sigstore's trust root could not be fetched (its TUF repository did not
    answer), so nothing was signed or verified. This is a network problem and says nothing
    about the files. Fix: re-run; ``py-release verify --offline`` uses the trust root cached or
    bundled with sigstore."""


def load_trust_config(path: Path | None, *, offline: bool = False) -> ClientTrustConfig:
    """The production Sigstore (through TUF; ``offline`` uses the cached or bundled root), or
    the ClientTrustConfig JSON at ``path``; loaded once per process, as signing, the verify
    stage and the GitHub Release each ask for it, and the public one costs a TUF refresh (a
    failure is not kept: the next call tries again).

    Rekor v1 is forced: PEP 740 attestations need v1 log entries (an integrated time with an
    inclusion promise), as pypi-attestations' own signer does.
    """
    return _loaded(path, offline)


@functools.lru_cache(maxsize=8)
def _loaded(path: Path | None, offline: bool) -> ClientTrustConfig:
    if path is None:
        try:
            trust_config = ClientTrustConfig.production(offline=offline)
        except SigstoreError as exc:
            raise SigstoreUnreachable(
                f"the public Sigstore's trust root could not be fetched ({exc}); nothing was "
                "signed or verified, and this says nothing about the files",
                "re-run when the runner can reach tuf-repo-cdn.sigstore.dev; py-release verify "
                "--offline uses the trust root cached or bundled with sigstore; a runner that "
                "cannot reach the public Sigstore needs sigstore-trust-config (a Sigstore it "
                "can reach) or attestations: false",
            ) from None
    else:
        try:
            trust_config = ClientTrustConfig.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                "sigstore-trust-config",
                f"'{path}' is not a readable ClientTrustConfig JSON file ({type(exc).__name__})",
                "give the path of your Sigstore deployment's client trust config "
                "(media type application/vnd.dev.sigstore.clienttrustconfig.v0.1+json)",
            ) from None
    trust_config.force_tlog_version = 1
    return trust_config


def load_trusted_root(path: Path | None, *, offline: bool = False) -> TrustedRoot:
    """The root of trust every verification here uses, loaded once per run."""
    return load_trust_config(path, offline=offline).trusted_root
