"""A release's assets: listing them, reading one (its description or the file itself), and
uploading one, with GitHub's checks of the upload."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.github_api.access import (
    ApiError,
    can_write,
    repository_for,
    validation_failed,
    visible_release,
)
from py_release.sandbox.github_api.answers import asset_json, paged
from py_release.sandbox.github_api.state import GitHubState, StoredAsset


def list_assets(
    state: GitHubState, request: Request, owner: str, repo: str, release_id: int
) -> Response:
    """``GET /repos/{owner}/{repo}/releases/{release_id}/assets``, paged."""
    name = repository_for(state, request, owner, repo)
    release = visible_release(state, request, name, release_id)
    return paged(state, request, [asset_json(state, release, a) for a in release.assets])


def get_asset(
    state: GitHubState, request: Request, owner: str, repo: str, asset_id: int
) -> Response:
    """``GET /repos/{owner}/{repo}/releases/assets/{asset_id}``: the file itself for
    ``Accept: application/octet-stream``, its description otherwise."""
    name = repository_for(state, request, owner, repo)
    for release in state.releases:
        if release.repository != name or (release.draft and not can_write(state, request)):
            continue
        for asset in release.assets:
            if asset.id == asset_id:
                # GitHub may redirect to its storage first; the stand-in serves the file here.
                if request.accept_mimetypes.best == "application/octet-stream":
                    return Response(asset.data, content_type="application/octet-stream")
                return json_response(asset_json(state, release, asset))
    raise ApiError(404, "Not Found")


def upload_asset(
    state: GitHubState, request: Request, owner: str, repo: str, release_id: int
) -> Response:
    """``POST`` to a release's ``upload_url``: 201 and the asset; one asset per name."""
    name = repository_for(state, request, owner, repo, write=True)
    release = visible_release(state, request, name, release_id)
    asset_name = request.args.get("name", "")
    if not asset_name:
        raise validation_failed("ReleaseAsset", "missing_field", "name")
    if not request.headers.get("Content-Type"):
        raise ApiError(422, "Content-Type header is required")
    data = request.get_data()
    declared = request.headers.get("Content-Length")
    if declared is None or int(declared) != len(data) or not data:
        raise ApiError(400, "Bad Content-Length")
    if any(asset.name == asset_name for asset in release.assets):
        raise validation_failed("ReleaseAsset", "already_exists", "name")
    asset = StoredAsset(
        id=state.new_id(),
        name=asset_name,
        label=request.args.get("label", ""),
        content_type=request.headers["Content-Type"],
        data=data,
        created_at=state.clock(),
    )
    release.assets.append(asset)
    return json_response(asset_json(state, release, asset), 201)
