"""Every route of the GitHub API stand-in, to the endpoint function that answers it: the REST
API under ``/api/v3`` and uploads under ``/api/uploads``, as GitHub Enterprise Server serves
them."""

from __future__ import annotations

from py_release.sandbox._http import StateRoute
from py_release.sandbox.github_api import assets, releases
from py_release.sandbox.github_api.state import GitHubState

_REPO = "/api/v3/repos/<owner>/<repo>"
_UPLOADS = "/api/uploads/repos/<owner>/<repo>/releases/<int:release_id>/assets"

ROUTES: tuple[StateRoute[GitHubState], ...] = (
    ("GET", _REPO, releases.repository),
    ("GET", f"{_REPO}/releases", releases.list_releases),
    ("POST", f"{_REPO}/releases", releases.create_release),
    ("GET", f"{_REPO}/releases/tags/<path:tag>", releases.release_by_tag),
    ("GET", f"{_REPO}/releases/<int:release_id>", releases.get_release),
    ("PATCH", f"{_REPO}/releases/<int:release_id>", releases.update_release),
    ("GET", f"{_REPO}/releases/assets/<int:asset_id>", assets.get_asset),
    ("GET", f"{_REPO}/releases/<int:release_id>/assets", assets.list_assets),
    ("POST", _UPLOADS, assets.upload_asset),
)
