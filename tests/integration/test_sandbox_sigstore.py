"""The sandbox's local Sigstore, driven by the real, unchanged ``sigstore`` and
``pypi-attestations`` signing code (only the trust configuration differs from production), and
checked by the real verifier: what it signs verifies under its trusted root and nowhere else,
and its Fulcio and Rekor refuse what the real ones refuse."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.certificate_transparency import LogEntryType
from cryptography.x509.oid import ExtendedKeyUsageOID
from pypi_attestations import Attestation, Distribution, GitHubPublisher, VerificationError
from sigstore._internal.fulcio.client import FulcioClientError
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext

from py_release.attest.verify import verify_attestation
from py_release.sandbox.identity import GITHUB_ISSUER, JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.sigstore import LocalSigstore
from tests.unit.artefacts import make_wheel

IDENTITY = JobIdentity()
PUBLISHER = GitHubPublisher(repository=IDENTITY.repository, workflow=IDENTITY.workflow_file)
FULCIO_OID = "1.3.6.1.4.1.57264.1"


@pytest.fixture(scope="module")
def sigstore(
    shared_issuer: GitHubIssuer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalSigstore]:
    root = tmp_path_factory.mktemp("sigstore")
    with LocalSigstore(issuer=shared_issuer, root=root) as running:
        yield running


@pytest.fixture(scope="module")
def wheel(sample_dists: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample project's real wheel (built once for the session)."""
    (built,) = [d for d in sample_dists if d.name.endswith(".whl")]
    copy = tmp_path_factory.mktemp("wheel") / built.name
    shutil.copy2(built, copy)
    return copy


def signing_context(sigstore: LocalSigstore) -> SigningContext:
    """Production's path to a signing context, given the local trust configuration."""
    trust_config = ClientTrustConfig.from_json(sigstore.trust_config_path.read_text())
    trust_config.force_tlog_version = 1  # as pypi-attestations does: attestations need v1
    return SigningContext.from_trust_config(trust_config)


def sign(sigstore: LocalSigstore, issuer: GitHubIssuer, *dists: Path) -> list[Attestation]:
    with signing_context(sigstore).signer(
        IdentityToken(issuer.mint("sigstore")), cache=True
    ) as signer:
        return [Attestation.sign(signer, Distribution.from_file(dist)) for dist in dists]


@pytest.fixture(scope="module")
def attestation(sigstore: LocalSigstore, shared_issuer: GitHubIssuer, wheel: Path) -> Attestation:
    (signed,) = sign(sigstore, shared_issuer, wheel)
    return signed


def extension(certificate: x509.Certificate, arc: int) -> str:
    oid = x509.ObjectIdentifier(f"{FULCIO_OID}.{arc}")
    value = certificate.extensions.get_extension_for_oid(oid).value
    assert isinstance(value, x509.UnrecognizedExtension)
    return asn1.decode_der(str, value.value)


# -- signing and verifying ---------------------------------------------------------------------


def test_an_attestation_signed_through_the_local_sigstore_verifies(
    sigstore: LocalSigstore, attestation: Attestation, wheel: Path
) -> None:
    predicate_type = verify_attestation(
        attestation, PUBLISHER, Distribution.from_file(wheel), trusted_root=sigstore.trusted_root
    )

    assert predicate_type == "https://docs.pypi.org/attestations/publish/v1"
    assert attestation.statement["subject"] == [
        {"name": wheel.name, "digest": {"sha256": Distribution.from_file(wheel).digest}}
    ]
    assert sigstore.certificates_issued >= 1
    assert sigstore.entries >= 1


def test_the_certificate_carries_the_jobs_identity_as_fulcio_writes_it(
    attestation: Attestation,
) -> None:
    certificate = x509.load_der_x509_certificate(attestation.verification_material.certificate)
    workflow = f"{IDENTITY.repository}/.github/workflows/{IDENTITY.workflow_file}@{IDENTITY.ref}"
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)

    assert san.critical
    assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == [
        f"https://github.com/{workflow}"
    ]
    assert certificate.subject == x509.Name([])
    assert extension(certificate, 8) == GITHUB_ISSUER
    assert extension(certificate, 9) == f"https://github.com/{workflow}"
    assert extension(certificate, 11) == "github-hosted"
    assert extension(certificate, 12) == f"https://github.com/{IDENTITY.repository}"
    assert extension(certificate, 13) == IDENTITY.sha
    assert extension(certificate, 14) == IDENTITY.ref
    assert extension(certificate, 18) == f"https://github.com/{workflow}"
    assert extension(certificate, 20) == "push"
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime.total_seconds() == 600
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert ExtendedKeyUsageOID.CODE_SIGNING in (
        certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    (sct,) = certificate.extensions.get_extension_for_class(
        x509.PrecertificateSignedCertificateTimestamps
    ).value
    assert sct.entry_type == LogEntryType.PRE_CERTIFICATE


@pytest.mark.parametrize(
    ("publisher", "dist_name", "expected"),
    [
        pytest.param(
            GitHubPublisher(repository="octo-org/another-project", workflow="release.yml"),
            None,
            "OIDCSourceRepositoryURI does not match",
            id="another-repository",
        ),
        pytest.param(
            GitHubPublisher(repository=IDENTITY.repository, workflow="other.yml"),
            None,
            "Build Config URI",
            id="another-workflow",
        ),
        pytest.param(PUBLISHER, "tampered", "subject does not match distribution digest",
                     id="tampered-file"),
        pytest.param(PUBLISHER, "renamed", "subject does not match distribution name",
                     id="another-file-name"),
    ],
)  # fmt: skip
def test_verification_rejects_another_publisher_or_file(
    sigstore: LocalSigstore,
    attestation: Attestation,
    wheel: Path,
    tmp_path: Path,
    publisher: GitHubPublisher,
    dist_name: str | None,
    expected: str,
) -> None:
    dist = Distribution.from_file(wheel)
    if dist_name == "tampered":
        tampered = tmp_path / wheel.name
        tampered.write_bytes(wheel.read_bytes() + b"\0")
        dist = Distribution.from_file(tampered)
    elif dist_name == "renamed":
        dist = Distribution(name="py_release_sample-9.9.9-py3-none-any.whl", digest=dist.digest)

    with pytest.raises(VerificationError, match=expected):
        verify_attestation(attestation, publisher, dist, trusted_root=sigstore.trusted_root)


def test_another_local_sigstores_root_rejects_the_attestation(
    issuer: GitHubIssuer, attestation: Attestation, wheel: Path
) -> None:
    with LocalSigstore(issuer=issuer) as other, pytest.raises(VerificationError):
        verify_attestation(
            attestation, PUBLISHER, Distribution.from_file(wheel), trusted_root=other.trusted_root
        )


def test_the_production_verifier_rejects_the_test_material(
    attestation: Attestation, wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Offline: sigstore copies its bundled production trusted root into the TUF cache (kept in
    # tmp_path here) and verifies against it, with no network.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    with pytest.raises(VerificationError, match="failed to build timestamp certificate chain"):
        attestation.verify(PUBLISHER, Distribution.from_file(wheel), offline=True)


def test_one_signer_signs_several_files_into_a_growing_log(
    sigstore: LocalSigstore, issuer: GitHubIssuer, tmp_path: Path
) -> None:
    dists = [make_wheel(tmp_path, version=f"1.0.{n}") for n in range(5)]
    issued, logged = sigstore.certificates_issued, sigstore.entries

    attestations = sign(sigstore, issuer, *dists)

    assert sigstore.certificates_issued == issued + 1  # one certificate, cached by the signer
    assert sigstore.entries == logged + 5
    indexes = [a.verification_material.transparency_entries[0]["logIndex"] for a in attestations]
    assert [int(i) for i in indexes] == list(range(logged, logged + 5))
    for dist, attestation in zip(dists, attestations, strict=True):
        # Each inclusion proof is for the tree as it was; every one must still verify.
        verify_attestation(
            attestation, PUBLISHER, Distribution.from_file(dist), trusted_root=sigstore.trusted_root
        )


def test_the_trust_config_names_fulcio_and_rekor_v1_on_loopback(sigstore: LocalSigstore) -> None:
    document = json.loads(sigstore.trust_config_path.read_text())

    assert document["mediaType"] == "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    signing = document["signingConfig"]
    assert [s["url"] for s in signing["caUrls"]] == [sigstore.fulcio_url]
    assert [(s["url"], s["majorApiVersion"]) for s in signing["rekorTlogUrls"]] == [
        (sigstore.rekor_url, 1)
    ]
    assert sigstore.fulcio_url.startswith("http://127.0.0.1:")
    root = document["trustedRoot"]
    assert [t["baseUrl"] for t in root["tlogs"]] == [sigstore.rekor_url]
    assert len(root["certificateAuthorities"]) == len(root["ctlogs"]) == 1
    assert sigstore.trust_config().signing_config.get_fulcio().url == sigstore.fulcio_url


def test_rekor_serves_its_tree_state_and_entries(
    sigstore: LocalSigstore, attestation: Attestation
) -> None:
    entry = attestation.verification_material.transparency_entries[0]
    info = requests.get(f"{sigstore.rekor_url}/api/v1/log", timeout=5).json()
    by_index = requests.get(
        f"{sigstore.rekor_url}/api/v1/log/entries", params={"logIndex": entry["logIndex"]},
        timeout=5,
    )  # fmt: skip

    assert info["treeSize"] == sigstore.entries
    assert info["signedTreeHead"].startswith(f"py-release-sandbox-rekor - {info['treeID']}\n")
    ((uuid, found),) = by_index.json().items()
    assert base64.b64decode(found["body"]) == base64.b64decode(entry["canonicalizedBody"])
    by_uuid = requests.get(f"{sigstore.rekor_url}/api/v1/log/entries/{uuid}", timeout=5)
    assert by_uuid.json()[uuid]["logIndex"] == int(entry["logIndex"])
    missing = requests.get(f"{sigstore.rekor_url}/api/v1/log/entries/{'0' * 64}", timeout=5)
    assert missing.status_code == 404


# -- what Fulcio refuses -----------------------------------------------------------------------


def csr_body(key: ec.EllipticCurvePrivateKey | None = None, *, tamper: bool = False) -> str:
    """A signing-certificate request as sigstore sends it (``tamper`` breaks its signature)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    if tamper:
        der[-1] ^= 0x01  # the last byte of the signature
    pem = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    return json.dumps({"certificateSigningRequest": base64.b64encode(pem).decode()})


def ask_fulcio(sigstore: LocalSigstore, token: str, body: str) -> requests.Response:
    return requests.post(
        f"{sigstore.fulcio_url}/api/v2/signingCert",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=10,
    )


def test_fulcio_answers_a_good_request_with_leaf_and_root(
    sigstore: LocalSigstore, issuer: GitHubIssuer
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    response = ask_fulcio(sigstore, issuer.mint("sigstore"), csr_body(key))

    assert response.status_code == 201
    chain = response.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    leaf, root = (x509.load_pem_x509_certificate(pem.encode()) for pem in chain)
    assert leaf.public_key() == key.public_key()
    leaf.verify_directly_issued_by(root)


def test_fulcio_takes_the_identity_of_a_reusable_workflow_from_its_claims(
    sigstore: LocalSigstore, issuer: GitHubIssuer
) -> None:
    called = "octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
    token = issuer.mint("sigstore", job_workflow_ref=called)
    response = ask_fulcio(sigstore, token, csr_body())

    leaf = x509.load_pem_x509_certificate(
        response.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"][0].encode()
    )
    caller = f"{IDENTITY.repository}/.github/workflows/{IDENTITY.workflow_file}@{IDENTITY.ref}"
    assert extension(leaf, 9) == f"https://github.com/{called}"
    assert extension(leaf, 18) == f"https://github.com/{caller}"


def _expired(issuer: GitHubIssuer) -> str:
    return issuer.mint("sigstore", issued_at=int(time.time()) - 3600, lifetime=300)


def _another_key(issuer: GitHubIssuer) -> str:
    return issuer.mint(
        "sigstore", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        pytest.param(lambda i: i.mint("pypi"), "Audience doesn't match", id="audience-pypi"),
        pytest.param(_expired, "the token has expired", id="expired"),
        pytest.param(_another_key, "Signature verification failed", id="another-key"),
        pytest.param(lambda i: i.mint("sigstore", iss="https://example.com"), "unknown issuer",
                     id="another-issuer"),
        pytest.param(lambda i: i.mint("sigstore", job_workflow_ref=None), "job_workflow_ref",
                     id="no-job-workflow-ref"),
        pytest.param(lambda i: "not-a-jwt", "malformed token", id="not-a-jwt"),
    ],
)  # fmt: skip
def test_fulcio_refuses_a_token_it_cannot_trust(
    sigstore: LocalSigstore, issuer: GitHubIssuer, make_token: Any, reason: str
) -> None:
    issued = sigstore.certificates_issued
    response = ask_fulcio(sigstore, make_token(issuer), csr_body())

    assert response.status_code == 401
    answer = response.json()
    assert answer["code"] == 16
    assert answer["message"].startswith("There was an error processing the identity token: ")
    assert reason in answer["message"]
    assert sigstore.certificates_issued == issued


def test_sigstores_client_fails_on_fulcios_refusal(
    sigstore: LocalSigstore, issuer: GitHubIssuer
) -> None:
    with (
        pytest.raises(FulcioClientError),
        signing_context(sigstore).signer(IdentityToken(_another_key(issuer))),
    ):
        pass


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(csr_body(tamper=True), "could not be verified", id="bad-signature"),
        pytest.param('{"certificateSigningRequest": "bm90IGEgQ1NS"}', "signing request",
                     id="not-a-csr"),
        pytest.param("{}", "signing request", id="no-csr"),
    ],
)  # fmt: skip
def test_fulcio_refuses_a_bad_csr(
    sigstore: LocalSigstore, issuer: GitHubIssuer, body: str, message: str
) -> None:
    response = ask_fulcio(sigstore, issuer.mint("sigstore"), body)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_fulcio_refuses_a_request_without_a_bearer_token(sigstore: LocalSigstore) -> None:
    response = requests.post(f"{sigstore.fulcio_url}/api/v2/signingCert", data=csr_body(),
                             timeout=10)  # fmt: skip
    assert response.status_code == 401


# -- what Rekor refuses ------------------------------------------------------------------------


def rekor_entry(attestation: Attestation, **changes: Any) -> dict[str, Any]:
    """The dsse entry sigstore proposes for ``attestation``'s envelope, with ``changes``."""
    certificate = x509.load_der_x509_certificate(attestation.verification_material.certificate)
    envelope = {
        "payload": base64.b64encode(attestation.envelope.statement).decode(),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{"sig": base64.b64encode(changes.pop("signature", None)
                                                or attestation.envelope.signature).decode()}],
    }  # fmt: skip
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    entry: dict[str, Any] = {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(envelope),
                "verifiers": [base64.b64encode(pem).decode()],
            }
        },
    }
    entry.update(changes)
    return entry


def test_rekor_refuses_an_envelope_its_certificate_did_not_sign(
    sigstore: LocalSigstore, attestation: Attestation
) -> None:
    forged = ec.generate_private_key(ec.SECP256R1()).sign(b"other", ec.ECDSA(hashes.SHA256()))
    entries = sigstore.entries
    response = requests.post(
        f"{sigstore.rekor_url}/api/v1/log/entries",
        json=rekor_entry(attestation, signature=forged),
        timeout=10,
    )

    assert response.status_code == 400
    assert "does not verify" in response.json()["message"]
    assert sigstore.entries == entries


def test_rekor_refuses_other_kinds_and_malformed_entries(
    sigstore: LocalSigstore, attestation: Attestation
) -> None:
    url = f"{sigstore.rekor_url}/api/v1/log/entries"
    hashedrekord = requests.post(url, json=rekor_entry(attestation, kind="hashedrekord"), timeout=5)
    garbage = requests.post(url, data=b"{", timeout=5)

    assert (hashedrekord.status_code, garbage.status_code) == (400, 400)
    assert "dsse 0.0.1" in hashedrekord.json()["message"]


def test_rekor_refuses_an_entry_it_already_holds(
    sigstore: LocalSigstore, attestation: Attestation
) -> None:
    url = f"{sigstore.rekor_url}/api/v1/log/entries"
    entry = rekor_entry(attestation)
    first = requests.post(url, json=entry, timeout=5)
    again = requests.post(url, json=entry, timeout=5)

    assert (first.status_code, again.status_code) == (201, 409)
    assert "already exists" in again.json()["message"]
