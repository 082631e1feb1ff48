"""The JSON GitHub answers with for releases and assets, and its pagination of lists (``page``,
``per_page`` and the ``Link`` header)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.github_api.access import ApiError
from py_release.sandbox.github_api.state import GitHubState, StoredAsset, StoredRelease


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def asset_json(state: GitHubState, release: StoredRelease, asset: StoredAsset) -> dict[str, Any]:
    """An asset as GitHub describes it (with ``digest`` unless the stand-in leaves it out)."""
    answer: dict[str, Any] = {
        "url": f"{state.api_url}/repos/{release.repository}/releases/assets/{asset.id}",
        "browser_download_url": (
            f"{state.web(release.repository)}/releases/download/"
            f"{quote(release.tag_name)}/{quote(asset.name)}"
        ),
        "id": asset.id,
        "node_id": f"RA_{asset.id}",
        "name": asset.name,
        "label": asset.label,
        "state": "uploaded",
        "content_type": asset.content_type,
        "size": len(asset.data),
        "download_count": 0,
        "created_at": _iso(asset.created_at),
        "updated_at": _iso(asset.created_at),
        "uploader": None,
    }
    if state.digests:
        answer["digest"] = f"sha256:{asset.sha256}"
    return answer


def release_json(state: GitHubState, release: StoredRelease) -> dict[str, Any]:
    """A release as GitHub describes it, with its assets and the URLs a client follows."""
    api = f"{state.api_url}/repos/{release.repository}/releases/{release.id}"
    web = state.web(release.repository)
    # A draft has no public tag page yet; GitHub links it by an "untagged-…" address.
    page = (
        f"{web}/releases/untagged-{release.id}"
        if release.draft
        else f"{web}/releases/tag/{quote(release.tag_name)}"
    )
    return {
        "url": api,
        "assets_url": f"{api}/assets",
        "upload_url": (
            f"{state.url}/api/uploads/repos/{release.repository}/releases/{release.id}"
            "/assets{?name,label}"
        ),
        "html_url": page,
        "id": release.id,
        "node_id": f"RE_{release.id}",
        "tag_name": release.tag_name,
        "target_commitish": release.target_commitish,
        "name": release.name or None,
        "body": release.body or None,
        "draft": release.draft,
        "prerelease": release.prerelease,
        "immutable": False,
        "created_at": _iso(release.created_at),
        "published_at": _iso(release.published_at),
        "author": None,
        "assets": [asset_json(state, release, asset) for asset in release.assets],
        "tarball_url": f"{state.api_url}/repos/{release.repository}/tarball/{release.tag_name}",
        "zipball_url": f"{state.api_url}/repos/{release.repository}/zipball/{release.tag_name}",
    }


def paged(state: GitHubState, request: Request, items: list[dict[str, Any]]) -> Response:
    """The request's page of ``items``, with GitHub's ``Link`` header to the next and last."""
    try:
        per_page = min(int(request.args.get("per_page", "30")), 100)
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        raise ApiError(400, "Invalid pagination parameters") from None
    per_page = max(per_page, 1)
    start = (page - 1) * per_page
    response = json_response(items[start : start + per_page])
    last = max((len(items) + per_page - 1) // per_page, 1)
    if page < last:
        base = f"{state.url}{request.path}"
        response.headers["Link"] = ", ".join(
            f'<{base}?{urlencode({"per_page": per_page, "page": number})}>; rel="{rel}"'
            for rel, number in (("next", page + 1), ("last", last))
        )
    return response
