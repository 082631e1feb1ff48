"""The job a sandbox ID token speaks for, and the claims GitHub puts in such a token.

GitHub's claim set is reproduced field for field: every ID and counter is a JSON string (as
GitHub sends them), ``iat``/``nbf``/``exp`` are ints, and ``iss`` is GitHub's real issuer URL,
because warehouse and Sigstore route on it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

# GitHub's documented example has nbf ten minutes before iat (and exp five minutes after).
NOT_BEFORE_SKEW = 600

# Every claim GitHub lists in its discovery document's claims_supported.
GITHUB_CLAIMS = (
    "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
    "repository_id", "repository_owner", "repository_owner_id", "enterprise", "enterprise_id",
    "run_id", "run_number", "run_attempt", "actor", "actor_id", "workflow", "workflow_ref",
    "workflow_sha", "head_ref", "base_ref", "event_name", "ref_type", "ref_protected",
    "environment", "environment_node_id", "job_workflow_ref", "job_workflow_sha",
    "repository_visibility", "runner_environment", "issuer_scope", "check_run_id",
)  # fmt: skip


@dataclass(frozen=True)
class JobIdentity:
    """The job a token is issued to (what GitHub knows about the running job).

    ``job_workflow_ref`` and ``workflow_ref`` default to
    ``{repository}/.github/workflows/{workflow_file}@{ref}``; give ``job_workflow_ref`` another
    value to stand for a reusable workflow (it names the called workflow, ``workflow_ref`` the
    caller). ``job_workflow_sha`` and ``workflow_sha`` default to ``sha``.
    """

    repository: str = "octo-org/sample-project"
    repository_owner_id: str = "100001"
    repository_id: str = "200002"
    workflow_file: str = "release.yml"
    ref: str = "refs/tags/v1.0.0"
    sha: str = "5f3c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
    environment: str | None = "pypi"
    event_name: str = "push"
    actor: str = "octocat"
    actor_id: str = "300003"
    job_workflow_ref: str | None = None
    workflow_ref: str | None = None
    workflow_name: str = "Release"
    run_id: str = "400004"
    run_number: str = "7"
    run_attempt: str = "1"
    check_run_id: str = "500005"
    repository_visibility: str = "public"
    runner_environment: str = "github-hosted"
    ref_protected: bool = False
    head_ref: str = ""
    base_ref: str = ""
    workflow_sha: str | None = None
    job_workflow_sha: str | None = None

    @property
    def repository_owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def default_workflow_ref(self) -> str:
        return f"{self.repository}/.github/workflows/{self.workflow_file}@{self.ref}"

    @property
    def subject(self) -> str:
        """``sub`` as GitHub builds it by default: environment, pull request, else ref."""
        if self.environment:
            return f"repo:{self.repository}:environment:{self.environment}"
        if self.event_name == "pull_request":
            return f"repo:{self.repository}:pull_request"
        return f"repo:{self.repository}:ref:{self.ref}"

    def claims(self, *, audience: str, issued_at: int, lifetime: int) -> dict[str, object]:
        """GitHub's full claim set for a token issued at ``issued_at`` to ``audience``."""
        claims: dict[str, object] = {
            "jti": str(uuid.uuid4()),
            "sub": self.subject,
        }
        if self.environment is not None:
            claims["environment"] = self.environment
        claims |= {
            "aud": audience,
            "ref": self.ref,
            "sha": self.sha,
            "repository": self.repository,
            "repository_owner": self.repository_owner,
            "repository_owner_id": self.repository_owner_id,
            "repository_id": self.repository_id,
            "repository_visibility": self.repository_visibility,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "run_id": self.run_id,
            "run_number": self.run_number,
            "run_attempt": self.run_attempt,
            "check_run_id": self.check_run_id,
            "runner_environment": self.runner_environment,
            "workflow": self.workflow_name,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "event_name": self.event_name,
            "ref_type": "tag" if self.ref.startswith("refs/tags/") else "branch",
            "ref_protected": "true" if self.ref_protected else "false",
            "workflow_ref": self.workflow_ref or self.default_workflow_ref,
            "workflow_sha": self.workflow_sha or self.sha,
            "job_workflow_ref": self.job_workflow_ref or self.default_workflow_ref,
            "job_workflow_sha": self.job_workflow_sha or self.sha,
        }
        if self.environment is not None:
            node = hashlib.sha256(f"{self.repository_id}/{self.environment}".encode()).hexdigest()
            claims["environment_node_id"] = f"EN_kwDO{node[:16]}"
        claims |= {
            "iss": GITHUB_ISSUER,
            "nbf": issued_at - NOT_BEFORE_SKEW,
            "exp": issued_at + lifetime,
            "iat": issued_at,
        }
        return claims
