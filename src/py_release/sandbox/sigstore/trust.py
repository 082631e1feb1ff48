"""The local Sigstore described as a Sigstore ClientTrustConfig document: the trusted root (the
CA certificate, the CT log key, the Rekor key) and the signing config (where Fulcio and Rekor
listen), in the protobuf-JSON shape ``ClientTrustConfig.from_json`` reads."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from py_release.sandbox.sigstore.ca import LocalCA, key_id, spki_der

CLIENT_TRUST_CONFIG = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
TRUSTED_ROOT = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
OPERATOR = "py-release sandbox"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _since(start: datetime.datetime) -> dict[str, str]:
    return {"start": start.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _log(url: str, key: ec.EllipticCurvePublicKey, start: datetime.datetime) -> dict[str, Any]:
    """A transparency log instance (Rekor or CT) with its P-256 key."""
    return {
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": _b64(spki_der(key)),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": _since(start),
        },
        "logId": {"keyId": _b64(key_id(key))},
    }


def _service(url: str, start: datetime.datetime) -> dict[str, Any]:
    return {"url": url, "majorApiVersion": 1, "validFor": _since(start), "operator": OPERATOR}


def client_trust_config(
    *,
    ca: LocalCA,
    rekor_key: ec.EllipticCurvePublicKey,
    fulcio_url: str,
    rekor_url: str,
) -> dict[str, Any]:
    """The ClientTrustConfig for a Fulcio at ``fulcio_url`` (which is also where its CT log is)
    and a Rekor v1 at ``rekor_url``; every key and service valid from the CA's start."""
    start = ca.valid_from
    trusted_root = {
        "mediaType": TRUSTED_ROOT,
        "tlogs": [_log(rekor_url, rekor_key, start)],
        "certificateAuthorities": [
            {
                "subject": {"organization": ca.organization, "commonName": ca.common_name},
                "uri": fulcio_url,
                "certChain": {
                    "certificates": [
                        {"rawBytes": _b64(ca.root.public_bytes(serialization.Encoding.DER))}
                    ]
                },
                "validFor": _since(start),
            }
        ],
        "ctlogs": [_log(fulcio_url, ca.ct_key.public_key(), start)],
        "timestampAuthorities": [],
    }
    signing_config = {
        "mediaType": SIGNING_CONFIG,
        "caUrls": [_service(fulcio_url, start)],
        "oidcUrls": [],
        "rekorTlogUrls": [_service(rekor_url, start)],
        "tsaUrls": [],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaConfig": {"selector": "ANY"},
    }
    return {
        "mediaType": CLIENT_TRUST_CONFIG,
        "trustedRoot": trusted_root,
        "signingConfig": signing_config,
    }
