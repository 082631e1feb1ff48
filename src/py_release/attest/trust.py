"""Which Sigstore to sign with: the public one, or a private deployment's trust config."""

from __future__ import annotations

from pathlib import Path

from sigstore.errors import Error as SigstoreError
from sigstore.models import ClientTrustConfig

from py_release.errors import InputError


def load_trust_config(path: Path | None) -> ClientTrustConfig:
    """The production Sigstore (through TUF), or the ClientTrustConfig JSON at ``path``.

    Rekor v1 is forced: PEP 740 attestations need v1 log entries (an integrated time with an
    inclusion promise), as pypi-attestations' own signer does.
    """
    if path is None:
        try:
            trust_config = ClientTrustConfig.production()
        except SigstoreError as exc:
            raise InputError(
                "sigstore-trust-config",
                f"the public Sigstore's trust root could not be fetched: {exc}",
                "re-run the job; if the runner cannot reach tuf-repo-cdn.sigstore.dev, set "
                "attestations: false or give the trust config of a Sigstore it can reach",
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
