"""Reading a file's PEP 740 provenance back from the index and verifying every attestation in
it against the expected Trusted Publisher."""

from __future__ import annotations

import pydantic
import requests
from pypi_attestations import Distribution, GitHubPublisher, Provenance, VerificationError
from sigstore.models import TrustedRoot

from py_release.attest.verify import verify_attestation

TIMEOUT = (10, 60)


class ProvenanceError(Exception):
    """The provenance is missing, unreadable or does not verify; the message says which."""


def fetch_provenance(session: requests.Session, url: str) -> Provenance:
    try:
        response = session.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ProvenanceError(f"cannot reach {url}: {type(exc).__name__}") from None
    if response.status_code == 404:
        raise ProvenanceError(f"the index has no provenance at {url}")
    if response.status_code != 200:
        raise ProvenanceError(f"{url} answered {response.status_code}")
    try:
        return Provenance.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise ProvenanceError(f"{url} is not a PEP 740 provenance object: {exc}") from None


def verify_provenance(
    provenance: Provenance,
    publisher: GitHubPublisher,
    dist: Distribution,
    *,
    trusted_root: TrustedRoot | None,
) -> int:
    """Verify every attestation in every bundle; return how many verified.

    A bundle must name the expected repository and workflow; each attestation must verify for
    ``dist`` against ``publisher``.
    """
    count = 0
    for bundle in provenance.attestation_bundles:
        named = bundle.publisher
        if not isinstance(named, GitHubPublisher) or (
            named.repository.lower() != publisher.repository.lower()
            or named.workflow != publisher.workflow
        ):
            raise ProvenanceError(f"the provenance names another publisher: {named}")
        for attestation in bundle.attestations:
            try:
                verify_attestation(attestation, publisher, dist, trusted_root=trusted_root)
            except VerificationError as exc:
                raise ProvenanceError(
                    f"an attestation of {dist.name} does not verify: {exc}"
                ) from None
            count += 1
    if count == 0:
        raise ProvenanceError(f"the provenance of {dist.name} holds no attestations")
    return count
