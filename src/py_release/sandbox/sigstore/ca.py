"""The local Sigstore's certificate authority: a root CA that issues Fulcio's short-lived
code-signing leaves, each carrying an embedded SCT signed by the local CT log's key.

The SCT is made as a real CT log makes it for a precertificate (RFC 6962 §3.2): the leaf is
built once without the SCT list, the CT key signs that TBSCertificate, and the leaf is built
again, identically, with the SCT list appended as its last extension, so that a verifier who
strips the list (``tbs_precertificate_bytes``) gets back exactly what was signed.
"""

from __future__ import annotations

import datetime
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LEAF_LIFETIME = datetime.timedelta(minutes=10)
ROOT_LIFETIME = datetime.timedelta(days=3650)
# The Fulcio OID arc; https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md
FULCIO_OID = "1.3.6.1.4.1.57264.1"
SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
_SHA256, _ECDSA = 4, 3  # TLS HashAlgorithm and SignatureAlgorithm codes (RFC 5246 §7.4.1.4.1)


def spki_der(key: CertificatePublicKeyTypes) -> bytes:
    """The DER SubjectPublicKeyInfo of ``key``."""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: CertificatePublicKeyTypes) -> bytes:
    """RFC 6962's key ID: the SHA-256 of the DER SubjectPublicKeyInfo (Sigstore's log IDs)."""
    return hashlib.sha256(spki_der(key)).digest()


@dataclass(frozen=True)
class FulcioExtension:
    """One Fulcio certificate extension: the last arc of its OID and its value. ``raw`` values
    are the deprecated v1 extensions (the bare string); the others are DER UTF8Strings."""

    arc: int
    value: str
    raw: bool = False

    def as_x509(self) -> x509.UnrecognizedExtension:
        data = self.value.encode() if self.raw else asn1.encode_der(self.value)
        return x509.UnrecognizedExtension(x509.ObjectIdentifier(f"{FULCIO_OID}.{self.arc}"), data)


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    """keyCertSign and cRLSign for the CA; digitalSignature alone for a leaf."""
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _u24(length: int) -> bytes:
    return struct.pack("!I", length)[1:]


class LocalCA:
    """A P-384 root that signs leaves directly (no intermediate), and a P-256 CT log key.

    ``now`` anchors the root's validity: it starts a day before, so that a clock a test moves
    a little backwards still sees a valid root.
    """

    def __init__(self, *, now: datetime.datetime) -> None:
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.valid_from = now - datetime.timedelta(days=1)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "py-release sandbox"),
                x509.NameAttribute(NameOID.COMMON_NAME, "py-release sandbox Fulcio root"),
            ]
        )
        public = self.root_key.public_key()
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.valid_from)
            .not_valid_after(self.valid_from + ROOT_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(signs_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.root_key, hashes.SHA384())
        )

    @property
    def organization(self) -> str:
        return str(self.root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)

    @property
    def common_name(self) -> str:
        return str(self.root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    def issue(
        self,
        public_key: CertificatePublicKeyTypes,
        *,
        san_uri: str,
        extensions: Sequence[FulcioExtension],
        now: datetime.datetime,
    ) -> x509.Certificate:
        """A leaf for ``public_key``, valid for ten minutes from ``now``, as Fulcio makes one:
        empty subject, the identity in a critical SAN URI, digitalSignature, codeSigning, the
        Fulcio extensions, and an embedded SCT."""
        # Whole seconds: X.509 times have no fraction, and an SCT timestamp that is a whole
        # number of seconds survives the verifier's float round trip (ms -> datetime -> ms).
        now = now.replace(microsecond=0)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + LEAF_LIFETIME)
            .add_extension(_key_usage(signs_certificates=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san_uri)]),
                critical=True,
            )
        )
        for extension in extensions:
            builder = builder.add_extension(extension.as_x509(), critical=False)
        precertificate = builder.sign(self.root_key, hashes.SHA384())
        sct_list = self._sct_list(precertificate.tbs_certificate_bytes, now)
        leaf = builder.add_extension(
            x509.UnrecognizedExtension(SCT_LIST_OID, asn1.encode_der(sct_list)), critical=False
        ).sign(self.root_key, hashes.SHA384())
        if leaf.tbs_precertificate_bytes != precertificate.tbs_certificate_bytes:
            raise AssertionError("the leaf's precertificate differs from the one the SCT signs")
        return leaf

    def _sct_list(self, tbs_certificate: bytes, when: datetime.datetime) -> bytes:
        """A TLS-encoded SignedCertificateTimestampList holding one v1 precert SCT."""
        timestamp = int(when.timestamp()) * 1000
        issuer_key_hash = key_id(self.root_key.public_key())
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)  # v1, certificate_timestamp, ts, precert
            + issuer_key_hash
            + _u24(len(tbs_certificate))
            + tbs_certificate
            + struct.pack("!H", 0)  # no CT extensions
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            struct.pack("!B", 0)
            + key_id(self.ct_key.public_key())
            + struct.pack("!QH", timestamp, 0)
            + struct.pack("!BBH", _SHA256, _ECDSA, len(signature))
            + signature
        )
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct
