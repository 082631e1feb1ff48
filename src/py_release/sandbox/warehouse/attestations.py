"""PEP 740 attestations sent with an upload, checked as warehouse's integrity service checks
them (``parse_attestations``), and the provenance kept for the file when they pass.

Verification is :func:`py_release.attest.verify.verify_attestation` against the Trusted
Publisher that minted the upload's token, under the sandbox's Sigstore trusted root: the same
checks ``Attestation.verify`` makes against the public-good Sigstore.
"""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError
from pypi_attestations import (
    Attestation,
    AttestationBundle,
    AttestationType,
    Distribution,
    GitHubPublisher,
    Provenance,
    VerificationError,
)
from sigstore.models import TrustedRoot

from py_release.attest.verify import verify_attestation
from py_release.sandbox.warehouse.refusal import UploadRefused, bad_request
from py_release.sandbox.warehouse.state import Publisher

MAX_ATTESTATIONS = 2
SUPPORTED_PREDICATE_TYPES = frozenset(t.value for t in AttestationType)
PROVENANCE_CONTENT_TYPE = "application/vnd.pypi.integrity.v1+json"
_ATTESTATION_LIST = TypeAdapter(list[Attestation])


def _invalid(reason: str) -> UploadRefused:
    return bad_request(f"Invalid attestations supplied during upload: {reason}")


def attestation_identity(publisher: Publisher) -> GitHubPublisher:
    """The identity warehouse verifies attestations against for a GitHub publisher."""
    return GitHubPublisher(
        repository=publisher.repository,
        workflow=publisher.workflow_file,
        environment=publisher.environment or None,
    )


def checked_provenance(
    raw: str,
    *,
    publisher: Publisher,
    filename: str,
    sha256: str,
    trusted_root: TrustedRoot,
) -> Provenance:
    """The provenance for a file whose ``attestations`` field is ``raw``; raises a 400
    ``UploadRefused`` with warehouse's message for the first check that fails.

    Every token this stand-in mints comes from Trusted Publishing, so warehouse's first check
    ("Attestations are only supported when using Trusted Publishing") always passes here.
    """
    try:
        attestations = _ATTESTATION_LIST.validate_json(raw)
    except ValidationError as exc:
        raise _invalid(f"Malformed attestations: {exc}") from None
    if not attestations:
        raise _invalid("Malformed attestations: an empty attestation set is not permitted")
    if len(attestations) > MAX_ATTESTATIONS:
        raise _invalid(f"A maximum of {MAX_ATTESTATIONS} attestations per file are supported")
    identity = attestation_identity(publisher)
    seen: set[str] = set()
    for attestation in attestations:
        try:
            dist = Distribution(name=filename, digest=sha256)
            predicate_type = verify_attestation(
                attestation, identity, dist, trusted_root=trusted_root
            )
        except VerificationError as exc:
            raise _invalid(
                f"Could not verify the uploaded artifact using the included attestation: {exc}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - warehouse reports any other failure so
            raise _invalid(
                f"Unknown error while trying to verify included attestations: {exc}"
            ) from None
        if predicate_type not in SUPPORTED_PREDICATE_TYPES:
            raise _invalid(f"Attestation with unsupported predicate type: {predicate_type}")
        if predicate_type in seen:
            raise _invalid(
                "Multiple attestations for the same file with the same predicate type "
                f"({predicate_type}) are not supported"
            )
        seen.add(predicate_type)
    return Provenance(
        attestation_bundles=[AttestationBundle(publisher=identity, attestations=attestations)]
    )
