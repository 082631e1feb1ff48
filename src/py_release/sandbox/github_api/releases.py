"""The repository and its releases: reading the repository, listing releases, finding one by id
or by tag, creating and updating one, with GitHub's checks of the request body."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.github_api.access import (
    ApiError,
    can_write,
    repository_for,
    validation_failed,
    visible_release,
)
from py_release.sandbox.github_api.answers import paged, release_json
from py_release.sandbox.github_api.state import GitHubState, StoredRelease

_MAKE_LATEST = ("true", "false", "legacy")


def repository(state: GitHubState, request: Request, owner: str, repo: str) -> Response:
    """``GET /repos/{owner}/{repo}``: the repository, with the token's permissions on it."""
    name = repository_for(state, request, owner, repo)
    return json_response(
        {
            "id": int(hashlib.sha256(name.lower().encode()).hexdigest()[:7], 16),
            "node_id": f"R_{name}",
            "name": name.split("/", 1)[1],
            "full_name": name,
            "private": True,
            "html_url": state.web(name),
            "url": f"{state.api_url}/repos/{name}",
            "releases_url": f"{state.api_url}/repos/{name}/releases{{/id}}",
            "default_branch": "main",
            "permissions": {"pull": True, "push": can_write(state, request), "admin": False},
        }
    )


def list_releases(state: GitHubState, request: Request, owner: str, repo: str) -> Response:
    """``GET /repos/{owner}/{repo}/releases``: newest first, drafts only for writers, paged."""
    name = repository_for(state, request, owner, repo)
    visible = [
        r
        for r in state.releases
        if r.repository == name and (not r.draft or can_write(state, request))
    ]
    newest_first = sorted(visible, key=lambda r: r.created_at, reverse=True)
    return paged(state, request, [release_json(state, r) for r in newest_first])


def release_by_tag(
    state: GitHubState, request: Request, owner: str, repo: str, tag: str
) -> Response:
    """``GET /repos/{owner}/{repo}/releases/tags/{tag}``: the tag's published release."""
    name = repository_for(state, request, owner, repo)
    # Only a published release belongs to its tag; a draft is not found by it.
    for release in state.releases:
        if release.repository == name and release.tag_name == tag and not release.draft:
            return json_response(release_json(state, release))
    raise ApiError(404, "Not Found")


def get_release(
    state: GitHubState, request: Request, owner: str, repo: str, release_id: int
) -> Response:
    """``GET /repos/{owner}/{repo}/releases/{release_id}``."""
    name = repository_for(state, request, owner, repo)
    return json_response(release_json(state, visible_release(state, request, name, release_id)))


def create_release(state: GitHubState, request: Request, owner: str, repo: str) -> Response:
    """``POST /repos/{owner}/{repo}/releases``: 201 and the release; one published per tag."""
    name = repository_for(state, request, owner, repo, write=True)
    body = _release_fields(_json_body(request), creating=True)
    draft = bool(body.get("draft", False))
    if not draft:
        _refuse_second_published(state, name, body["tag_name"], None)
    now = state.clock()
    release = StoredRelease(
        id=state.new_id(),
        repository=name,
        tag_name=body["tag_name"],
        name=body.get("name") or "",
        body=body.get("body") or "",
        draft=draft,
        prerelease=bool(body.get("prerelease", False)),
        target_commitish=body.get("target_commitish") or "main",
        created_at=now,
        published_at=None if draft else now,
    )
    state.releases.append(release)
    return json_response(release_json(state, release), 201)


def update_release(
    state: GitHubState, request: Request, owner: str, repo: str, release_id: int
) -> Response:
    """``PATCH /repos/{owner}/{repo}/releases/{release_id}``: publishing a draft dates it."""
    name = repository_for(state, request, owner, repo, write=True)
    release = visible_release(state, request, name, release_id)
    body = _release_fields(_json_body(request), creating=False)
    tag = body.get("tag_name") or release.tag_name
    draft = bool(body.get("draft", release.draft))
    if not draft:
        _refuse_second_published(state, name, tag, release.id)
    release.tag_name = tag
    if "name" in body:
        release.name = body["name"] or ""
    if "body" in body:
        release.body = body["body"] or ""
    if "prerelease" in body:
        release.prerelease = bool(body["prerelease"])
    if release.draft and not draft:
        release.published_at = state.clock()
    release.draft = draft
    return json_response(release_json(state, release))


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Problems parsing JSON")
    return body


def _release_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields GitHub accepts, type-checked; 422 like GitHub for the rest."""
    if creating and "tag_name" not in body:
        raise validation_failed("Release", "missing_field", "tag_name")
    for name in ("tag_name", "name", "body", "target_commitish"):
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise validation_failed("Release", "invalid", name)
    if "tag_name" in body and not (body["tag_name"] or "").strip():
        raise validation_failed("Release", "invalid", "tag_name")
    for name in ("draft", "prerelease", "generate_release_notes"):
        if name in body and not isinstance(body[name], bool):
            raise validation_failed("Release", "invalid", name)
    if "make_latest" in body and body["make_latest"] not in _MAKE_LATEST:
        raise validation_failed("Release", "invalid", "make_latest")
    return body


def _refuse_second_published(
    state: GitHubState, repository: str, tag: str, but: int | None
) -> None:
    for release in state.releases:
        if (
            release.repository == repository
            and release.tag_name == tag
            and not release.draft
            and release.id != but
        ):
            raise validation_failed("Release", "already_exists", "tag_name")
