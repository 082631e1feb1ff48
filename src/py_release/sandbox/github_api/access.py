"""Who may see and change what, as GitHub decides it: the request's token, the repositories it
was made for, its ``contents`` permission, and drafts hidden from tokens that cannot write;
and the errors GitHub answers with when a request may not, or is not valid."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.github_api.state import GitHubState, StoredRelease, TokenGrant

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer: ``status``, GitHub's ``message`` and, for 422, its ``errors``."""

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def response(self) -> Response:
        """The answer GitHub gives for it."""
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return json_response(body, self.status)


def validation_failed(resource: str, code: str, field_name: str) -> ApiError:
    """GitHub's 422 "Validation Failed" for one field of one resource."""
    return ApiError(
        422, "Validation Failed", [{"resource": resource, "code": code, "field": field_name}]
    )


def token_grant(state: GitHubState, request: Request) -> TokenGrant | None:
    """What the request's token may do; None without a token, 401 for an unknown one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    grant = state.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
    if grant is None:
        raise ApiError(401, "Bad credentials")
    return grant


def repository_for(
    state: GitHubState, request: Request, owner: str, repo: str, *, write: bool = False
) -> str:
    """The repository's registered name, if this request's token may see it (and write
    its contents, when ``write``)."""
    grant = token_grant(state, request)
    key = f"{owner}/{repo}".lower()
    # Every repository here is private: without a token, or with one for other
    # repositories, it does not exist.
    if key not in state.repositories or grant is None or key not in grant.repositories:
        raise ApiError(404, "Not Found")
    if write and grant.contents != "write":
        raise ApiError(403, "Resource not accessible by integration")
    return state.repositories[key]


def can_write(state: GitHubState, request: Request) -> bool:
    """Whether the request's token may write contents (and so see drafts)."""
    grant = token_grant(state, request)
    return grant is not None and grant.contents == "write"


def visible_release(
    state: GitHubState, request: Request, repository: str, release_id: int
) -> StoredRelease:
    """The release with this id, unless it is a draft the request may not see; else 404."""
    for release in state.releases:
        if release.repository == repository and release.id == release_id:
            if release.draft and not can_write(state, request):
                break  # drafts are invisible to those who cannot push
            return release
    raise ApiError(404, "Not Found")
