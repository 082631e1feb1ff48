"""Trusted Publishing: the job's GitHub ID token, exchanged for a short-lived index token.

The exchange follows warehouse's protocol: ``GET {scheme}://{netloc}/_/oidc/audience`` of the
upload URL, then ``POST .../_/oidc/mint-token`` with ``{"token": <ID token>}``. ``http`` is
allowed only for loopback hosts (the release sandbox); everything else must be ``https``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import id as ambient_id
import requests

from py_release.errors import TrustedPublishingError
from py_release.github.context import GitHubContext
from py_release.index.repositories import is_loopback, warehouse_web_root
from py_release.secrets import Secret

TIMEOUT = (10, 30)
TROUBLESHOOTING = "https://docs.pypi.org/trusted-publishers/troubleshooting/"
PERMISSION_YAML = """add this to the job that publishes (at job level, so other jobs get no token):

    permissions:
      id-token: write

or pass an API token as the password input."""
# The claims PyPI matches against a trusted publisher, and the form field each one is set by.
MATCHED_CLAIMS = (
    ("sub", "(for debugging)"),
    ("repository", "Owner / Repository name"),
    ("repository_owner", "Owner"),
    ("repository_owner_id", "(the owner's account id, fixed when the publisher was added)"),
    ("job_workflow_ref", "Workflow name (the file name, e.g. release.yml)"),
    ("ref", "(for debugging: the tag or branch that ran)"),
    ("environment", "Environment name (optional on PyPI; must match when set)"),
)

IdTokenSource = Callable[[str], Secret]


@dataclass(frozen=True)
class MintedToken:
    token: Secret
    expires_at: float


def oidc_base(upload_url: str) -> str:
    """``{scheme}://{netloc}`` of the upload URL, where warehouse serves ``/_/oidc/``."""
    parts = urlsplit(upload_url)
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise TrustedPublishingError(
            f"Trusted Publishing needs https, and repository-url is {parts.scheme}://",
            "use the index's https upload URL; plain http is allowed only for loopback "
            "(the release sandbox)",
        )
    return f"{parts.scheme}://{parts.netloc}"


def check_job_can_publish(context: GitHubContext) -> None:
    """Refuse what cannot work before any request is made."""
    if context.event_name == "pull_request_target":
        raise TrustedPublishingError(
            "Trusted Publishing is refused for pull_request_target events",
            "pull_request_target runs with your repository's permissions on code from forks, so "
            "PyPI refuses tokens from it too. Publish on a tag push, a release or "
            "workflow_dispatch; let pull requests make a dry run (dry-run: auto).",
        )
    if context.event_name == "pull_request" and context.pull_request_from_fork:
        raise TrustedPublishingError(
            "this run is a pull request from a fork, and GitHub gives such runs no ID token",
            "GitHub withholds ID tokens (even with id-token: write) from workflows that forks "
            "can trigger, so a fork cannot publish as you. Publish on a tag push, a release or "
            "workflow_dispatch; pull requests get a dry run with dry-run: auto.",
        )
    if not context.id_token_available:
        raise TrustedPublishingError(
            "no password was given and the job cannot request an ID token for Trusted "
            "Publishing (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are not set)",
            PERMISSION_YAML,
        )


def github_id_token(audience: str) -> Secret:
    """The job's ID token for ``audience``, through the ``id`` library."""
    try:
        token = ambient_id.detect_credential(audience=audience)
    except ambient_id.GitHubOidcPermissionCredentialError:
        raise TrustedPublishingError(
            "the runner refused an ID token: the job lacks the id-token: write permission",
            PERMISSION_YAML,
        ) from None
    except ambient_id.IdentityError as exc:
        raise TrustedPublishingError(
            f"requesting the job's ID token failed: {exc}",
            "this is usually a transient runner problem: re-run the job",
        ) from None
    if token is None:
        raise TrustedPublishingError(
            "no ID token: this does not run in GitHub Actions (or another supported CI)",
            "outside CI, pass an API token as the password input (PY_RELEASE_PASSWORD for the "
            "CLI); to rehearse under act, start `py-release sandbox` and pass its --env lines",
        )
    return Secret(token)


def unverified_claims(token: Secret) -> dict[str, object]:
    """The ID token's claims, without verifying it (the index does that), for messages only."""
    try:
        _, payload, _ = ambient_id.decode_oidc_token(token.reveal())
        claims = json.loads(payload)
    except (ValueError, ambient_id.IdentityError):
        return {}
    return claims if isinstance(claims, dict) else {}


def reusable_workflow_warning(claims: Mapping[str, object]) -> str | None:
    """A warning when the job runs in a reusable workflow: the publisher must name that file."""
    top = str(claims.get("workflow_ref") or "").split("@", 1)[0]
    job = str(claims.get("job_workflow_ref") or "").split("@", 1)[0]
    if not top or not job or top == job:
        return None
    return (
        f"this job runs in the reusable workflow {job}, called from {top}. PyPI matches the "
        f"trusted publisher against job_workflow_ref, so the publisher must name "
        f"'{job.rsplit('/', 1)[-1]}' (the called workflow), not '{top.rsplit('/', 1)[-1]}'."
    )


def get_audience(session: requests.Session, base: str) -> str:
    url = f"{base}/_/oidc/audience"
    try:
        response = session.get(url, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise TrustedPublishingError(
            f"cannot reach {url}: {type(exc).__name__}",
            "check that repository-url is right and the index is reachable",
        ) from None
    if response.status_code in (403, 404):
        state = (
            "has Trusted Publishing disabled"
            if response.status_code == 403
            else ("does not offer Trusted Publishing")
        )
        raise TrustedPublishingError(
            f"the index at {base} {state} ({response.status_code} from /_/oidc/audience)",
            "pass an API token for this index as the password input (user __token__, or the "
            "index's username)",
        )
    try:
        audience = response.json()["audience"]
    except (ValueError, KeyError, TypeError):
        audience = None
    if response.status_code != 200 or not isinstance(audience, str):
        raise TrustedPublishingError(
            f"the index answered {response.status_code} without an audience at {url}",
            "re-run later; if it persists the index is misbehaving (PyPI: status.python.org)",
        )
    return audience


def _claims_table(claims: Mapping[str, object]) -> str:
    rows = []
    for claim, field in MATCHED_CLAIMS:
        value = claims.get(claim)
        shown = str(value) if value not in (None, "") else "MISSING"
        rows.append(f"  {claim:<20} {shown:<60} {field}")
    return "\n".join(rows)


def _publishing_page(base: str, project: str) -> str:
    web = (warehouse_web_root(base) or f"{base}/").rstrip("/")
    return f"{web}/manage/project/{project}/settings/publishing/"


def _hint_for(code: str, base: str, project: str, claims: Mapping[str, object]) -> str:
    page = _publishing_page(base, project)
    if code == "invalid-publisher":
        return (
            "no trusted publisher of this project matches the job. The index compares these "
            "claims of the job's ID token with the publisher's form fields:\n"
            f"{_claims_table(claims)}\n"
            f"Fix the publisher (or the workflow) at {page}; see {TROUBLESHOOTING}"
        )
    hints = {
        "not-enabled": "the index has Trusted Publishing switched off: pass an API token as the "
        "password input",
        "invalid-payload": "the index could not read the token request; re-run the job, and "
        f"if it persists see {TROUBLESHOOTING}",
        "invalid-token": "the index rejected the ID token itself (expired, wrong audience or "
        "signature): re-run the job; a runner with a wrong clock causes this too",
        "invalid-reuse-token": "each exchange needs a fresh ID token and this one was used "
        "already: re-run the job",
        "invalid-pending-publisher": f"a pending publisher may only create a new project, and "
        f"'{project}' exists: add a trusted publisher in the project's settings at {page}",
    }
    return hints.get(code, f"see {TROUBLESHOOTING}")


def mint_token(
    session: requests.Session, base: str, id_token: Secret, *, project: str
) -> MintedToken:
    """Exchange the ID token for an index token; every refusal becomes a hinted error."""
    url = f"{base}/_/oidc/mint-token"
    try:
        response = session.post(url, json={"token": id_token.reveal()}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise TrustedPublishingError(
            f"cannot reach {url}: {type(exc).__name__}", "re-run the job"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TrustedPublishingError(
            f"the index produced an unexpected {response.status_code} response to the token "
            "exchange",
            "re-run later; if it persists the index is misbehaving (PyPI: status.python.org)",
        )
    token = body.get("token")
    if response.status_code == 200 and isinstance(token, str) and token:
        expires = body.get("expires")
        return MintedToken(
            Secret(token),
            float(expires) if isinstance(expires, int | float) else time.time() + 900,
        )
    errors = body.get("errors")
    reasons = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    codes = [str(e.get("code", "")) for e in reasons]
    listed = "; ".join(f"{e.get('code')}: {e.get('description')}" for e in reasons)
    claims = unverified_claims(id_token)
    raise TrustedPublishingError(
        f"the index refused the token exchange ({listed or response.status_code})",
        _hint_for(codes[0] if codes else "", base, project, claims),
    )
