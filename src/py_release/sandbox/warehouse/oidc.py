"""Trusted Publishing's token exchange: ``/_/oidc/audience`` and ``/_/oidc/mint-token``,
with warehouse's checks of the ID token and its publisher, in warehouse's order."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
import requests
from packaging.utils import canonicalize_name
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.identity import GITHUB_ISSUER
from py_release.sandbox.warehouse.state import IndexToken, Project, Publisher, WarehouseState
from py_release.secrets import Secret

JWT_LEEWAY = 30
ISSUER_SERVICES = {GITHUB_ISSUER: "github"}
REQUIRED_CLAIMS = (
    "repository", "repository_owner", "repository_owner_id", "job_workflow_ref", "jti",
    "event_name", "ref", "sha",
)  # fmt: skip
_WORKFLOW_FILE = re.compile(r"([^/]+\.(yml|yaml))(?=@)")


class _Refused(Exception):
    """The token exchange fails with warehouse's ``code`` and ``description``."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class _InvalidPublisher(Exception):
    pass


class _ReusedToken(Exception):
    pass


def audience(state: WarehouseState, request: Request) -> Response:
    """``GET /_/oidc/audience``: the audience an ID token must be minted for."""
    if not state.trusted_publishing:
        return json_response(
            {"message": "Trusted publishing functionality not enabled"}, status=403
        )
    return json_response({"audience": state.audience})


def mint_token(state: WarehouseState, request: Request) -> Response:
    """``POST /_/oidc/mint-token``: an upload token for a valid ID token of a registered
    publisher, or 422 with warehouse's error code and description."""
    try:
        answer = _exchange(state, request.get_data())
    except _Refused as refused:
        return json_response(
            {
                "message": "Token request failed",
                "errors": [{"code": refused.code, "description": refused.description}],
            },
            status=422,
        )
    return json_response(answer)


def _exchange(state: WarehouseState, body: bytes) -> dict[str, object]:
    """warehouse's ``mint_token_from_oidc``: every check, in its order."""
    token = _token_from_payload(body)
    try:
        unverified_issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    except (jwt.PyJWTError, KeyError):
        raise _Refused("invalid-payload", "malformed JWT") from None
    service = ISSUER_SERVICES.get(unverified_issuer) if isinstance(unverified_issuer, str) else None
    if service is None:
        raise _Refused("invalid-payload", "unknown trusted publishing issuer")
    if not state.trusted_publishing:
        raise _Refused("not-enabled", f"{service} trusted publishing functionality not enabled")
    claims = _verified_claims(state, token)
    if claims is None:
        raise _Refused("invalid-token", "malformed or invalid token")
    with state.lock:
        publisher = _publisher_for(state, claims)
        jti = str(claims["jti"])
        if jti in state.used_jti:  # the atomic claim of the jti (SET NX)
            raise _Refused("invalid-reuse-token", "invalid token: already used")
        state.used_jti[jti] = int(claims["exp"]) + JWT_LEEWAY + 5
        not_before = state.now()
        expires_at = not_before + state.token_lifetime
        minted = "pypi-" + secrets.token_urlsafe(48)
        projects = frozenset(state.publishers.get(publisher, set()))
        state.tokens[minted] = IndexToken(publisher, projects, not_before, expires_at)
        state.minted.append(Secret(minted))
    return {"success": True, "token": minted, "expires": expires_at}


def _verified_claims(state: WarehouseState, token: str) -> dict[str, Any] | None:
    """The claims of a token signed by the issuer's key for this audience, else None."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = _key(state, kid) if isinstance(kid, str) else None
        if key is None:
            return None
        claims: dict[str, Any] = jwt.decode(
            token,
            key=jwt.PyJWK(key),
            algorithms=["RS256"],
            options={
                "verify_signature": True,
                "require": ["iss", "iat", "exp", "aud"],
                "verify_iss": True,
                "verify_aud": True,
                "strict_aud": True,
                # exp, nbf and iat are checked below against this warehouse's clock, by
                # PyJWT's rules with warehouse's leeway.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
            issuer=GITHUB_ISSUER,
            audience=state.audience,
        )
        _check_times(claims, state.clock(), JWT_LEEWAY)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None
    return claims


def _key(state: WarehouseState, kid: str) -> dict[str, Any] | None:
    """The issuer's JWK for ``kid``; the keyset is fetched again once when it is unknown."""
    with state.lock:
        if kid not in state.keys:
            _refresh_keys(state)
        return state.keys.get(kid)


def _refresh_keys(state: WarehouseState) -> None:
    # warehouse reads f"{iss}/.well-known/openid-configuration", then its jwks_uri; the
    # sandbox maps GitHub's issuer URL to the local issuer.
    try:
        configuration = requests.get(
            f"{state.issuer.url}/.well-known/openid-configuration", timeout=5
        )
        jwks_uri = configuration.json().get("jwks_uri") if configuration.ok else None
        if not isinstance(jwks_uri, str):
            return
        keyset = requests.get(jwks_uri, timeout=5)
        keys = keyset.json().get("keys") if keyset.ok else None
    except (requests.RequestException, ValueError, AttributeError):
        return
    if isinstance(keys, list) and keys:
        state.keys = {key["kid"]: key for key in keys if isinstance(key, dict) and "kid" in key}


def _publisher_for(state: WarehouseState, claims: Mapping[str, Any]) -> Publisher:
    """A pending publisher first (creating its project), then the project's publisher."""
    try:
        pending = _find(state, claims, state.pending)
    except _InvalidPublisher:
        pass
    except _ReusedToken:
        raise _Refused("invalid-reuse-token", "invalid token: already used") from None
    else:
        project = state.pending.pop(pending)
        if canonicalize_name(project) in state.projects:
            raise _Refused("invalid-pending-publisher", "valid token, but project already exists")
        state.projects[canonicalize_name(project)] = Project(project)
        state.publishers.setdefault(pending, set()).add(canonicalize_name(project))
    try:
        return _find(state, claims, state.publishers)
    except _ReusedToken:
        raise _Refused("invalid-reuse-token", "invalid token: already used") from None
    except _InvalidPublisher as exc:
        raise _Refused(
            "invalid-publisher", f"valid token, but no corresponding publisher ({exc})"
        ) from None


def _find(
    state: WarehouseState, claims: Mapping[str, Any], registry: Iterable[Publisher]
) -> Publisher:
    """warehouse's ``find_publisher``: claims present, lookup, then each claim checked."""
    for name in REQUIRED_CLAIMS:
        if claims.get(name) is None:
            raise _InvalidPublisher(f"Missing claim {name!r}")
    publisher = _lookup(claims, registry)
    _verify_claims(publisher, claims)
    if str(claims["jti"]) in state.used_jti:
        raise _ReusedToken
    if claims["event_name"] == "pull_request_target":
        raise _InvalidPublisher(
            "Publishing from a workflow invoked via 'pull_request_target' is not supported."
        )
    environment = claims.get("environment")
    if publisher.environment and not (
        isinstance(environment, str) and environment.lower() == publisher.environment
    ):
        raise _InvalidPublisher("Check failed for optional claim 'environment'")
    return publisher


# -- token exchange helpers --------------------------------------------------------------------


def _token_from_payload(body: bytes) -> str:
    """The ``token`` of a ``{"token": "<jwt>"}`` body, or ``invalid-payload`` (pydantic's
    StrictStr rules: a string, nothing else)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise _Refused(
            "invalid-payload",
            f"1 validation error for TokenPayload\n  Invalid JSON: {exc} [type=json_invalid]",
        ) from None
    if not isinstance(payload, dict):
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\n  Input should be an object [type=model_type]",
        )
    if "token" not in payload:
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\ntoken\n  Field required [type=missing]",
        )
    token = payload["token"]
    if not isinstance(token, str):
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\ntoken\n  Input should be a valid string "
            "[type=string_type]",
        )
    return token


def _check_times(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    """PyJWT's checks of ``iat``, ``nbf`` and ``exp``, made against ``now``."""
    if "iat" in claims and int(claims["iat"]) > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims and int(claims["nbf"]) > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    if int(claims["exp"]) <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")


def _lookup(claims: Mapping[str, Any], registry: Iterable[Publisher]) -> Publisher:
    """The publisher registered for the claims' repository, owner id and workflow file,
    preferring one bound to the claims' environment over one for any environment."""
    repository = claims["repository"]
    workflow_ref = claims["job_workflow_ref"]
    if not isinstance(repository, str) or "/" not in repository:
        raise _InvalidPublisher("Publisher with matching claims was not found")
    owner, name = repository.split("/", 1)
    match = _WORKFLOW_FILE.search(workflow_ref) if isinstance(workflow_ref, str) else None
    if match is None:
        raise _InvalidPublisher("Could not job extract workflow filename from OIDC claims")
    candidates = [
        p
        for p in registry
        if (p.name, p.owner, p.owner_id, p.workflow_file)
        == (name, owner, claims["repository_owner_id"], match.group(0))
    ]
    environment = claims.get("environment")
    if isinstance(environment, str) and environment:
        for publisher in candidates:
            if publisher.environment == environment.lower():
                return publisher
    for publisher in candidates:
        if publisher.environment == "":
            return publisher
    raise _InvalidPublisher("Publisher with matching claims was not found")


def _verify_claims(publisher: Publisher, claims: Mapping[str, Any]) -> None:
    """The publisher's required claims, in warehouse's order (up to ``jti``)."""
    repository = claims["repository"]
    if not (isinstance(repository, str) and repository.lower() == publisher.repository.lower()):
        raise _InvalidPublisher("Check failed for required claim 'repository'")
    if claims["repository_owner"] != publisher.owner:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner'")
    if claims["repository_owner_id"] != publisher.owner_id:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner_id'")
    signed = claims["job_workflow_ref"]
    if not signed:
        raise _InvalidPublisher("The job_workflow_ref claim is empty")
    refs = [r for r in (claims.get("ref"), claims.get("sha")) if r]
    if not refs:
        raise _InvalidPublisher("The ref and sha claims are empty")
    ground_truth = f"{publisher.repository}/.github/workflows/{publisher.workflow_file}"
    expected = sorted({f"{ground_truth}@{r}" for r in refs})
    if signed not in expected:
        raise _InvalidPublisher(
            f"The job_workflow_ref claim does not match, expecting one of {expected!r}, "
            f"got {signed!r}"
        )
