"""The sandbox's GitHub ID-token issuer, read by real clients: PyJWT through discovery and
JWKS, and the ``id`` library the way it runs on a GitHub runner."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import id as oidc_id
import jwt
import pytest
import requests

from py_release.sandbox.identity import GITHUB_ISSUER, JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from tests.secrets_registry import register_secret

STRING_CLAIMS = {
    "jti", "sub", "environment", "environment_node_id", "aud", "ref", "sha", "repository",
    "repository_owner", "repository_owner_id", "repository_id", "repository_visibility", "actor",
    "actor_id", "run_id", "run_number", "run_attempt", "check_run_id", "runner_environment",
    "workflow", "head_ref", "base_ref", "event_name", "ref_type", "ref_protected",
    "workflow_ref", "workflow_sha", "job_workflow_ref", "job_workflow_sha", "iss",
}  # fmt: skip
TIME_CLAIMS = {"iat", "nbf", "exp"}


@pytest.fixture
def issuer() -> Iterator[GitHubIssuer]:
    with GitHubIssuer() as running:
        register_secret(running.request_token.reveal())
        yield running
        for token in running.issued:
            register_secret(token)


@pytest.fixture
def on_runner(issuer: GitHubIssuer, monkeypatch: pytest.MonkeyPatch) -> GitHubIssuer:
    """The environment of a GitHub job with ``permissions: id-token: write``."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    for name, value in issuer.env().items():
        monkeypatch.setenv(name, value)
    return issuer


def unverified(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_discovery_and_jwks_verify_a_token_with_pyjwt(issuer: GitHubIssuer) -> None:
    discovery = requests.get(issuer.discovery_url, timeout=5).json()
    assert discovery["issuer"] == GITHUB_ISSUER
    assert discovery["jwks_uri"] == issuer.jwks_url
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["response_types_supported"] == ["id_token"]
    assert {"repository_owner_id", "job_workflow_ref", "environment"} <= set(
        discovery["claims_supported"]
    )
    keyset = jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], timeout=5).json())

    token = issuer.mint("pypi")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": issuer.kid, "x5t": issuer.x5t}
    claims = jwt.decode(
        token, keyset[header["kid"]], algorithms=["RS256"], audience="pypi", issuer=GITHUB_ISSUER
    )
    assert claims["aud"] == "pypi"
    assert claims["repository"] == "octo-org/sample-project"


def test_jwks_holds_an_rsa_2048_key_and_its_certificate(issuer: GitHubIssuer) -> None:
    keys = issuer.jwks()["keys"]
    assert isinstance(keys, list)
    (key,) = keys
    assert isinstance(key, dict)
    assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", issuer.kid)
    modulus = base64.urlsafe_b64decode(key["n"] + "==")
    assert len(modulus) * 8 == 2048
    certificate = base64.b64decode(key["x5c"][0])
    thumbprint = hashlib.sha1(certificate).digest()  # noqa: S324 - what x5t is
    assert base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode() == key["x5t"]


@pytest.mark.parametrize("audience", ["pypi", "sigstore"])
def test_the_id_library_gets_a_token_from_it(on_runner: GitHubIssuer, audience: str) -> None:
    token = oidc_id.detect_credential(audience)

    assert token is not None
    assert token == on_runner.issued[-1]
    assert unverified(token)["aud"] == audience


def test_a_wrong_bearer_is_refused_as_the_runtime_does(
    on_runner: GitHubIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "not-the-request-token")

    with pytest.raises(oidc_id.AmbientCredentialError, match=r"code=401, body=''"):
        oidc_id.detect_credential("pypi")
    assert on_runner.issued == []


def test_without_the_request_variables_id_reports_the_missing_permission(
    on_runner: GitHubIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")

    with pytest.raises(oidc_id.GitHubOidcPermissionCredentialError):
        oidc_id.detect_credential("pypi")


@pytest.mark.parametrize(
    ("authorization", "status"),
    [("Bearer {}", 200), ("bearer {}", 200), ("BEARER {}", 200), ("token {}", 401),
     ("Bearer {}x", 401), (None, 401)],
)  # fmt: skip
def test_the_token_endpoint_checks_the_bearer(
    issuer: GitHubIssuer, authorization: str | None, status: int
) -> None:
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(issuer.request_token.reveal())
    response = requests.get(f"{issuer.request_url}&audience=pypi", headers=headers, timeout=5)

    assert response.status_code == status
    if status == 401:
        assert response.content == b""
    else:
        assert response.json()["count"] == 1
        assert unverified(response.json()["value"])["aud"] == "pypi"


def test_the_token_endpoint_needs_the_api_version(issuer: GitHubIssuer) -> None:
    response = requests.get(
        f"{issuer.url}/_apis/token?audience=pypi",
        headers={"Authorization": f"bearer {issuer.request_token.reveal()}"},
        timeout=5,
    )
    assert response.status_code == 400
    assert issuer.issued == []


def test_without_an_audience_the_token_is_for_the_owner(issuer: GitHubIssuer) -> None:
    response = requests.get(
        issuer.request_url,
        headers={"Authorization": f"bearer {issuer.request_token.reveal()}"},
        timeout=5,
    )
    assert unverified(response.json()["value"])["aud"] == "https://github.com/octo-org"


def test_claims_are_githubs_with_strings_where_github_uses_strings(issuer: GitHubIssuer) -> None:
    claims = unverified(issuer.mint("pypi"))

    assert set(claims) == STRING_CLAIMS | TIME_CLAIMS
    for name in STRING_CLAIMS:
        assert isinstance(claims[name], str), name
    for name in TIME_CLAIMS:
        assert type(claims[name]) is int, name
    assert claims["nbf"] <= claims["iat"] < claims["exp"] == claims["iat"] + 300
    assert claims["iss"] == GITHUB_ISSUER
    assert claims["sub"] == "repo:octo-org/sample-project:environment:pypi"
    assert claims["repository_owner"] == "octo-org"
    assert claims["repository_owner_id"] == "100001"
    assert claims["ref_type"] == "tag"
    assert claims["ref_protected"] == "false"
    expected_ref = "octo-org/sample-project/.github/workflows/release.yml@refs/tags/v1.0.0"
    assert claims["job_workflow_ref"] == claims["workflow_ref"] == expected_ref
    assert claims["job_workflow_sha"] == claims["workflow_sha"] == claims["sha"]
    assert len(claims["sha"]) == 40


def test_each_token_has_its_own_jti(issuer: GitHubIssuer) -> None:
    assert unverified(issuer.mint("pypi"))["jti"] != unverified(issuer.mint("pypi"))["jti"]


def test_a_job_without_environment_gets_a_ref_subject(issuer: GitHubIssuer) -> None:
    issuer.identity = JobIdentity(environment=None, ref="refs/heads/main", event_name="push")

    claims = unverified(issuer.mint("pypi"))

    assert "environment" not in claims
    assert "environment_node_id" not in claims
    assert claims["sub"] == "repo:octo-org/sample-project:ref:refs/heads/main"
    assert claims["ref_type"] == "branch"


def test_a_reusable_workflow_has_its_own_job_workflow_ref(issuer: GitHubIssuer) -> None:
    called = "octo-org/shared/.github/workflows/publish.yml@refs/heads/main"
    issuer.identity = JobIdentity(job_workflow_ref=called)

    claims = unverified(issuer.mint("pypi"))

    assert claims["job_workflow_ref"] == called
    assert claims["workflow_ref"].endswith("/.github/workflows/release.yml@refs/tags/v1.0.0")


def test_identity_and_lifetime_can_change_between_requests(on_runner: GitHubIssuer) -> None:
    on_runner.identity = JobIdentity(repository="other-org/tool", repository_owner_id="9")
    on_runner.token_lifetime = 60

    token = oidc_id.detect_credential("pypi")

    assert token is not None
    claims = unverified(token)
    assert (claims["repository"], claims["repository_owner_id"]) == ("other-org/tool", "9")
    assert claims["exp"] - claims["iat"] == 60


def test_mint_overrides_and_removes_claims_and_headers(issuer: GitHubIssuer) -> None:
    token = issuer.mint(
        "pypi", lifetime=10, issued_at=1_000, headers={"kid": "other"}, jti="fixed", sha=None
    )

    assert jwt.get_unverified_header(token)["kid"] == "other"
    claims = unverified(token)
    assert claims["jti"] == "fixed"
    assert "sha" not in claims
    assert (claims["iat"], claims["exp"]) == (1_000, 1_010)
    assert issuer.issued == [token]


def test_the_clock_sets_the_issue_time() -> None:
    with GitHubIssuer(clock=lambda: 5_000.5) as issuer:
        claims = unverified(issuer.mint("pypi"))
    assert claims["iat"] == 5_000


def test_env_names_the_runner_variables(issuer: GitHubIssuer) -> None:
    assert issuer.env() == {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{issuer.url}/_apis/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.request_token.reveal(),
    }
    assert str(issuer.request_token) == "***"
    assert json.loads(requests.get(issuer.jwks_url, timeout=5).text) == issuer.jwks()
