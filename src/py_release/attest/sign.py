"""The signing stage: one PEP 740 publish attestation per distribution, written beside it as
``<file>.publish.attestation``, signed with Sigstore from the job's identity.

Every target is checked before anything is signed, and the files are written only after every
distribution is signed, so a failure never leaves a release half-signed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pydantic
import requests
import sigstore.errors
from pypi_attestations import Attestation, AttestationError, Distribution
from sigstore._internal.fulcio.client import ExpiredCertificate
from sigstore.models import ClientTrustConfig
from sigstore.oidc import ExpiredIdentity, IdentityError, IdentityToken
from sigstore.sign import SigningContext

from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError
from py_release.secrets import Secret

SUFFIX = ".publish.attestation"
# Fulcio extensions naming the repository and the workflow run that signed.
SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"
_SAN_OID = "1.3.6.1.4.1.57264.1.9"  # Build Signer URI: the workflow that ran the job


class SigningError(ReleaseError):
    """The distributions could not be signed; nothing was uploaded."""


@dataclass(frozen=True)
class SignedFile:
    dist: DistFile
    path: Path
    identity: str
    log_index: str
    reused: bool


@dataclass(frozen=True)
class Signer:
    """Who signs: the repository and workflow file, as the certificate will name them."""

    repository: str
    workflow_file: str


def attestation_path(dist: DistFile) -> Path:
    return dist.path.with_name(dist.name + SUFFIX)


def _describe(attestation: Attestation) -> tuple[str, str]:
    claims = attestation.certificate_claims
    identity = claims.get(_SAN_OID) or claims.get(BUILD_CONFIG_URI) or "unknown"
    entry = attestation.verification_material.transparency_entries[0]
    return identity, str(entry.get("logIndex", "?"))


def _ours(attestation: Attestation, dist: DistFile, signer: Signer) -> bool:
    """An attestation this workflow made for exactly this file (a re-run, or a second index)."""
    try:
        statement = json.loads(attestation.envelope.statement)
        (subject,) = statement["subject"]
    except (ValueError, KeyError, TypeError):
        return False
    claims = attestation.certificate_claims
    workflow = claims.get(BUILD_CONFIG_URI, "").split("@", 1)[0]
    return (
        subject.get("name") == dist.name
        and subject.get("digest", {}).get("sha256") == dist.hashes.sha256
        and claims.get(SOURCE_REPOSITORY_URI) == f"https://github.com/{signer.repository}"
        and workflow.endswith(f"/.github/workflows/{signer.workflow_file}")
    )


def plan_signing(
    dists: Sequence[DistFile], signer: Signer
) -> tuple[list[DistFile], list[SignedFile]]:
    """Split the files into those to sign and those already signed by this workflow.

    Raises ``SigningError`` naming every attestation file that is not ours, before any signing.
    """
    to_sign: list[DistFile] = []
    reused: list[SignedFile] = []
    foreign: list[str] = []
    for dist in dists:
        path = attestation_path(dist)
        if not path.exists():
            to_sign.append(dist)
            continue
        try:
            existing = Attestation.model_validate_json(path.read_bytes())
        except (OSError, pydantic.ValidationError, ValueError):
            foreign.append(f"{path.name} (not a valid attestation)")
            continue
        if _ours(existing, dist, signer):
            identity, log_index = _describe(existing)
            reused.append(SignedFile(dist, path, identity, log_index, reused=True))
        else:
            foreign.append(f"{path.name} (made for other contents or by another workflow)")
    if foreign:
        raise SigningError(
            "these distributions already have publish attestations that py-release did not "
            "make for them in this workflow: " + "; ".join(foreign),
            "remove the .publish.attestation files from packages-dir (an attestation is made "
            "for each upload), or set attestations: false to upload without",
        )
    return to_sign, reused


def sign_distributions(
    dists: Sequence[DistFile], id_token: Secret, trust_config: ClientTrustConfig
) -> list[SignedFile]:
    """Sign every file, then write every attestation; raise ``SigningError`` with a hint."""
    if not dists:
        return []
    signed: list[tuple[DistFile, Attestation]] = []
    try:
        context = SigningContext.from_trust_config(trust_config)
        with context.signer(IdentityToken(id_token.reveal()), cache=True) as signer:
            for dist in dists:
                signed.append((dist, Attestation.sign(signer, Distribution.from_file(dist.path))))
    except (ExpiredIdentity, ExpiredCertificate):
        raise SigningError(
            "the job's identity expired while signing",
            "re-run the job; signing many large files can outlast the ID token, so split "
            "them over jobs if this repeats",
        ) from None
    except IdentityError as exc:
        raise SigningError(
            f"Sigstore did not accept the job's ID token: {exc}",
            "this happened after a successful Trusted Publishing exchange, which suggests a "
            "transient error: re-run the job",
        ) from None
    except (sigstore.errors.Error, AttestationError, requests.RequestException) as exc:
        # sigstore lets connection errors from its HTTP client through as they are.
        raise SigningError(
            f"signing with Sigstore failed: {type(exc).__name__}: {exc}",
            "re-run the job; if it persists, check that the runner can reach Sigstore (or the "
            "services in sigstore-trust-config), or set attestations: false",
        ) from None
    results = []
    for dist, attestation in signed:
        path = attestation_path(dist)
        path.write_text(attestation.model_dump_json(), encoding="utf-8")
        identity, log_index = _describe(attestation)
        results.append(SignedFile(dist, path, identity, log_index, reused=False))
    return results
