"""A stand-in for GitHub Actions' OIDC ID-token issuer, on 127.0.0.1.

It answers what a job with ``permissions: id-token: write`` asks the runtime for
(``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with ``Authorization: bearer
$ACTIONS_ID_TOKEN_REQUEST_TOKEN``) and serves the discovery document and JWKS a verifier reads.
Tokens are RS256 JWTs with GitHub's claim set and GitHub's real ``iss``; the key is an RSA-2048
key made for this issuer alone, so only a verifier pointed at this issuer's JWKS accepts them.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import LoopbackServer, ServedOnLoopback, json_response
from py_release.sandbox.identity import GITHUB_CLAIMS, GITHUB_ISSUER, JobIdentity
from py_release.secrets import Secret

DEFAULT_IDENTITY = JobIdentity()
REQUEST_PATH = "/_apis/token"
API_VERSION = "2.0"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _self_signed(key: rsa.RSAPrivateKey, now: datetime.datetime) -> x509.Certificate:
    """A certificate for the signing key, as GitHub publishes one (x5c, x5t) in its JWKS."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py-release sandbox OIDC issuer")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


class GitHubIssuer(ServedOnLoopback):
    """``with GitHubIssuer() as issuer:`` serves ID tokens for ``issuer.identity``.

    Give a job ``issuer.env()`` (plus ``GITHUB_ACTIONS=true``) and the ``id`` library, the
    toolkit or any other client gets tokens from it as from GitHub. ``identity`` and
    ``token_lifetime`` may be changed between requests. Every token made is appended to
    ``issued``.
    """

    served_as = "GitHub OIDC issuer"

    def __init__(
        self,
        *,
        identity: JobIdentity = DEFAULT_IDENTITY,
        token_lifetime: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identity = identity
        self.token_lifetime = token_lifetime
        self._clock = clock
        self.request_token = Secret(secrets.token_urlsafe(32))
        self.issued: list[str] = []
        self._lock = threading.Lock()
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.datetime.fromtimestamp(clock(), tz=datetime.UTC)
        self._certificate = _self_signed(self._key, now)
        thumbprint = hashlib.sha1(  # noqa: S324 - x5t is defined as the SHA-1 thumbprint
            self._certificate.public_bytes(serialization.Encoding.DER)
        ).digest()
        self.kid = thumbprint.hex().upper()
        self.x5t = _b64url(thumbprint)
        self._server = LoopbackServer(
            [
                ("GET", "/.well-known/openid-configuration", self._discovery),
                ("GET", "/.well-known/jwks", self._jwks),
                ("GET", REQUEST_PATH, self._token),
            ]
        )

    # -- where it listens ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._server.url

    @property
    def request_url(self) -> str:
        """The value of ``ACTIONS_ID_TOKEN_REQUEST_URL``."""
        return f"{self.url}{REQUEST_PATH}?api-version={API_VERSION}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks"

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def env(self) -> dict[str, str]:
        """The variables the runner sets for a job with ``id-token: write``."""
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token.reveal(),
        }

    # -- tokens ----------------------------------------------------------------------------

    def mint(
        self,
        audience: str,
        *,
        lifetime: int | None = None,
        issued_at: int | None = None,
        headers: dict[str, object] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        **claim_overrides: object,
    ) -> str:
        """A token for ``identity`` and ``audience``, made directly (for tests).

        ``claim_overrides`` replace claims; an override of ``None`` removes the claim.
        ``headers`` are merged into the JWT header; ``key`` signs with another key (the
        header still names this issuer's ``kid``).
        """
        now = int(self._clock()) if issued_at is None else issued_at
        claims = self.identity.claims(
            audience=audience,
            issued_at=now,
            lifetime=self.token_lifetime if lifetime is None else lifetime,
        )
        for name, value in claim_overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header: dict[str, object] = {"typ": "JWT", "x5t": self.x5t, "kid": self.kid}
        header |= headers or {}
        token = jwt.encode(claims, key or self._key, algorithm="RS256", headers=header)
        with self._lock:
            self.issued.append(token)
        return token

    def jwks(self) -> dict[str, object]:
        """The JSON Web Key Set that holds this issuer's public key."""
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        der = self._certificate.public_bytes(serialization.Encoding.DER)
        key = {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": public["n"],
            "e": public["e"],
            "x5c": [base64.b64encode(der).decode("ascii")],
            "x5t": self.x5t,
        }
        return {"keys": [key]}

    def discovery(self) -> dict[str, object]:
        """The OpenID configuration: GitHub's issuer, with the JWKS served here."""
        return {
            "issuer": GITHUB_ISSUER,
            "jwks_uri": self.jwks_url,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": list(GITHUB_CLAIMS),
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    # -- HTTP ------------------------------------------------------------------------------

    def _discovery(self, request: Request) -> Response:
        return json_response(self.discovery())

    def _jwks(self, request: Request) -> Response:
        return json_response(self.jwks())

    def _bearer_ok(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), self.request_token.reveal().encode()
        )

    def _token(self, request: Request) -> Response:
        if not self._bearer_ok(request):
            return Response(b"", status=401)  # the runtime answers a bad bearer with no body
        if request.args.get("api-version") != API_VERSION:
            return json_response(
                {"message": f"this endpoint needs api-version={API_VERSION} in the query"},
                status=400,
            )
        owner = self.identity.repository_owner
        audience = request.args.get("audience") or f"https://github.com/{owner}"
        return json_response({"count": 1, "value": self.mint(audience)})
