"""Verify a PEP 740 attestation for a distribution against a Trusted Publisher identity.

``pypi-attestations``' ``Attestation.verify`` takes no trust root: it refreshes the public
Sigstore's on every call, and a failed refresh would look like a file that does not verify.
So the root is loaded once (``trust.load_trusted_root``: the public Sigstore, a
``sigstore-trust-config``, the release sandbox), and we run sigstore's ``Verifier.verify_dsse``
with it and then the same statement checks the library makes: one subject, named as the
distribution, with its sha256, of a known predicate.
"""

from __future__ import annotations

import json

import sigstore.errors
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from pypi_attestations import (
    Attestation,
    AttestationType,
    Distribution,
    GitHubPublisher,
    VerificationError,
)
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

_IN_TOTO = "application/vnd.in-toto+json"


def _parsed(name: str) -> object:
    if name.endswith(".whl"):
        return parse_wheel_filename(name)
    return parse_sdist_filename(name)


def verify_attestation(
    attestation: Attestation,
    publisher: GitHubPublisher,
    dist: Distribution,
    *,
    trusted_root: TrustedRoot,
) -> str:
    """Return the predicate type; raise ``VerificationError`` saying why it does not verify."""
    verifier = Verifier(trusted_root=trusted_root)
    try:
        payload_type, payload = verifier.verify_dsse(
            attestation.to_bundle(),
            # The library's own policy for this publisher (private, but it is the definition).
            publisher._as_policy(),
        )
    except sigstore.errors.VerificationError as exc:
        raise VerificationError(str(exc)) from exc
    if payload_type != _IN_TOTO:
        raise VerificationError(f"expected an in-toto statement, got {payload_type}")
    try:
        statement = json.loads(payload)
        (subject,) = statement["subject"]
        name = subject["name"]
        digest = subject["digest"]["sha256"]
        predicate_type = statement["predicateType"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError(f"invalid statement: {exc!r}") from exc
    try:
        same_name = _parsed(name) == _parsed(dist.name)
    except (InvalidSdistFilename, InvalidWheelFilename) as exc:
        raise VerificationError(f"invalid subject: {exc}") from exc
    if not same_name:
        raise VerificationError(f"subject does not match distribution name: {name} != {dist.name}")
    if digest != dist.digest:
        raise VerificationError("subject does not match distribution digest")
    try:
        AttestationType(predicate_type)
    except ValueError:
        raise VerificationError(f"unknown attestation type: {predicate_type}") from None
    return str(predicate_type)
