"""The local Fulcio: ``POST /api/v2/signingCert`` turns a GitHub Actions ID token and a CSR
into a ten-minute code-signing certificate for the job, as Fulcio does.

The token is verified as Fulcio verifies it: RS256 under a key from the issuer's JWKS (read
over HTTP through the issuer's discovery document, GitHub's issuer URL mapped to the sandbox
issuer), GitHub's ``iss``, audience ``sigstore``, and its times. The CSR must be signed by the
key it holds. The certificate's identity comes from the token alone: the SAN and the Fulcio
extensions are built from its claims with Fulcio's GitHub Actions templates.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.identity import GITHUB_ISSUER
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.sigstore.ca import FulcioExtension, LocalCA

CLIENT_ID = "sigstore"  # the audience Fulcio accepts for GitHub Actions tokens
GITHUB_URL = "https://github.com"
NOT_BEFORE_SKEW = 300  # go-oidc's allowed clock skew for nbf
ISSUED_AT_SKEW = 60
_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
# gRPC status codes in Fulcio's JSON errors.
_INVALID_ARGUMENT, _UNAUTHENTICATED = 3, 16
# The claims Fulcio's GitHub template needs for the extensions every leaf must carry.
REQUIRED_CLAIMS = (
    "sub", "job_workflow_ref", "workflow_ref", "repository", "sha", "ref", "event_name",
    "runner_environment",
)  # fmt: skip


class FulcioRefusal(Exception):
    """Fulcio's JSON error: an HTTP status, a gRPC code and a message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad_token(reason: str) -> FulcioRefusal:
    return FulcioRefusal(
        401, _UNAUTHENTICATED, f"There was an error processing the identity token: {reason}"
    )


def _bad_request(reason: str) -> FulcioRefusal:
    return FulcioRefusal(400, _INVALID_ARGUMENT, reason)


def github_extensions(claims: Mapping[str, str]) -> list[FulcioExtension]:
    """Fulcio's extensions for a GitHub Actions token, from its claims (those that are set)."""

    def url(path: str) -> str:
        return f"{GITHUB_URL}/{path}"

    wanted: list[tuple[int, str | None, bool]] = [
        # Deprecated v1 extensions, still issued: raw strings.
        (1, claims.get("iss"), True),
        (2, claims.get("event_name"), True),
        (3, claims.get("sha"), True),
        (4, claims.get("workflow"), True),
        (5, claims.get("repository"), True),
        (6, claims.get("ref"), True),
        # v2: DER UTF8Strings.
        (8, claims.get("iss"), False),
        (9, url(claims["job_workflow_ref"]), False),
        (10, claims.get("job_workflow_sha"), False),
        (11, claims.get("runner_environment"), False),
        (12, url(claims["repository"]), False),
        (13, claims.get("sha"), False),
        (14, claims.get("ref"), False),
        (15, claims.get("repository_id"), False),
        (16, url(claims["repository_owner"]) if "repository_owner" in claims else None, False),
        (17, claims.get("repository_owner_id"), False),
        (18, url(claims["workflow_ref"]), False),
        (19, claims.get("workflow_sha"), False),
        (20, claims.get("event_name"), False),
    ]
    if "run_id" in claims and "run_attempt" in claims:
        run = f"{claims['repository']}/actions/runs/{claims['run_id']}/attempts/"
        wanted.append((21, url(run + claims["run_attempt"]), False))
    wanted.append((22, claims.get("repository_visibility"), False))
    return [FulcioExtension(arc, value, raw) for arc, value, raw in wanted if value]


class Fulcio:
    """The CA's HTTP face: verifies the caller, then has :class:`LocalCA` issue the leaf."""

    def __init__(self, *, ca: LocalCA, issuer: GitHubIssuer, clock: Callable[[], float]) -> None:
        self._ca = ca
        self._issuer = issuer
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, Any]] = {}
        self.certificates_issued = 0

    @property
    def chain_pem(self) -> list[str]:
        return [self._ca.root.public_bytes(serialization.Encoding.PEM).decode()]

    # -- HTTP ------------------------------------------------------------------------------

    def signing_cert(self, request: Request) -> Response:
        try:
            leaf = self.issue(request.headers.get("Authorization", ""), request.get_data())
        except FulcioRefusal as refusal:
            return json_response(
                {"code": refusal.code, "message": refusal.message, "details": []},
                status=refusal.status,
            )
        chain = [leaf.public_bytes(serialization.Encoding.PEM).decode(), *self.chain_pem]
        return json_response(
            {"signedCertificateEmbeddedSct": {"chain": {"certificates": chain}}}, status=201
        )

    def trust_bundle(self, request: Request) -> Response:
        return json_response({"chains": [{"certificates": self.chain_pem}]})

    # -- the work --------------------------------------------------------------------------

    def issue(self, authorization: str, body: bytes) -> x509.Certificate:
        """The leaf for the bearer token in ``authorization`` and the CSR in ``body``; raises
        :class:`FulcioRefusal` (401 for the token, 400 for the request)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _bad_token("no bearer token in the Authorization header")
        claims = self._verified_claims(token.strip())
        csr = _csr_from(body)
        public_key = csr.public_key()
        if not (
            (isinstance(public_key, ec.EllipticCurvePublicKey)
             and isinstance(public_key.curve, _CURVES))
            or (isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= 2048)
        ):  # fmt: skip
            raise _bad_request("The public key supplied in the request is not supported")
        if not csr.is_signature_valid:
            raise _bad_request("The signature supplied in the request could not be verified")
        now = datetime.datetime.fromtimestamp(self._clock(), tz=datetime.UTC)
        leaf = self._ca.issue(
            public_key,
            san_uri=f"{GITHUB_URL}/{claims['job_workflow_ref']}",
            extensions=github_extensions(claims),
            now=now,
        )
        with self._lock:
            self.certificates_issued += 1
        return leaf

    def _verified_claims(self, token: str) -> dict[str, str]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise _bad_token(f"malformed token: {exc}") from None
        if unverified.get("iss") != GITHUB_ISSUER:
            raise _bad_token(f"unknown issuer {unverified.get('iss')!r}")
        kid = header.get("kid")
        key = self._key(kid) if isinstance(kid, str) else None
        if key is None:
            raise _bad_token(f"no key {kid!r} in the issuer's JWKS")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=jwt.PyJWK(key),
                algorithms=["RS256"],
                audience=CLIENT_ID,
                issuer=GITHUB_ISSUER,
                options={
                    "require": ["iss", "aud", "exp", "iat", "sub"],
                    "strict_aud": True,
                    # The times are checked below against this Fulcio's clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise _bad_token(str(exc)) from None
        self._check_times(claims)
        for name in REQUIRED_CLAIMS:
            if not isinstance(claims.get(name), str) or not claims[name]:
                raise _bad_token(f"the token has no {name!r} claim")
        return {name: value for name, value in claims.items() if isinstance(value, str)}

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        try:
            expires, issued = int(claims["exp"]), int(claims["iat"])
            not_before = int(claims.get("nbf", issued))
        except (TypeError, ValueError):
            raise _bad_token("exp, iat and nbf must be numbers") from None
        if expires <= now:
            raise _bad_token("the token has expired")
        if issued > now + ISSUED_AT_SKEW:
            raise _bad_token("the token is issued in the future")
        if not_before > now + NOT_BEFORE_SKEW:
            raise _bad_token("the token is not valid yet")

    def _key(self, kid: str) -> dict[str, Any] | None:
        """The issuer's JWK for ``kid``, the keyset read again when ``kid`` is unknown."""
        with self._lock:
            if kid not in self._keys:
                self._keys = _fetch_keys(self._issuer.url)
            return self._keys.get(kid)


def _fetch_keys(issuer_url: str) -> dict[str, dict[str, Any]]:
    """The issuer's keys by kid, through its discovery document; empty when unreadable."""
    try:
        discovery = requests.get(f"{issuer_url}/.well-known/openid-configuration", timeout=5)
        document = discovery.json() if discovery.ok else {}
        if document.get("issuer") != GITHUB_ISSUER or not isinstance(document.get("jwks_uri"), str):
            return {}
        keyset = requests.get(document["jwks_uri"], timeout=5)
        keys = keyset.json().get("keys") if keyset.ok else None
    except (requests.RequestException, ValueError, AttributeError):
        return {}
    if not isinstance(keys, list):
        return {}
    return {key["kid"]: key for key in keys if isinstance(key, dict) and "kid" in key}


def _csr_from(body: bytes) -> x509.CertificateSigningRequest:
    """The CSR of ``{"certificateSigningRequest": base64(PEM)}``."""
    try:
        payload = json.loads(body)
        encoded = payload["certificateSigningRequest"]
        pem = base64.b64decode(encoded, validate=True)
        return x509.load_pem_x509_csr(pem)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _bad_request(
            "There was an error processing the certificate signing request: expected "
            '{"certificateSigningRequest": "<base64 of a PEM CSR>"}'
        ) from None
