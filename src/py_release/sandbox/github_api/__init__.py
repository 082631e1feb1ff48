"""A stand-in for GitHub's REST API, enough of it for releases: the repository, releases (by
id, by tag, listed), creating and updating a release, listing, uploading and downloading its
assets.

It is served the way GitHub Enterprise Server serves its API, under ``/api/v3`` with uploads
under ``/api/uploads``, so a client pointed at :attr:`GitHubApi.api_url` (``GITHUB_API_URL``)
has to follow the URLs the API hands out rather than assume github.com's hosts.

It checks what GitHub checks: the token (``Authorization: token …`` or ``Bearer …``) against
the registered ones, 401 "Bad credentials" for any other; writes need ``contents: write``
(403 "Resource not accessible by integration"); a token sees only the repositories it was
made for (404 for the rest, as for a private repository); drafts are visible only to tokens
that can write; request bodies are validated (422 "Validation Failed" with GitHub's error
codes: ``missing_field``, ``invalid``, ``already_exists`` for a second release of a tag or a
second asset of one name). Answers carry the fields GitHub's do, assets with ``digest``.
"""

from py_release.sandbox.github_api.server import GitHubApi
from py_release.sandbox.github_api.state import Access, StoredAsset, StoredRelease

__all__ = ["Access", "GitHubApi", "StoredAsset", "StoredRelease"]
