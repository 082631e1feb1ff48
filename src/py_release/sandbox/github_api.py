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

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import LoopbackServer, Route, ServedOnLoopback, json_response

Access = Literal["read", "write"]
DOCS = "https://docs.github.com/rest"
_MAKE_LATEST = ("true", "false", "legacy")


@dataclass(frozen=True)
class _Token:
    contents: Access
    repositories: frozenset[str]  # "owner/name", lower case


@dataclass
class StoredAsset:
    id: int
    name: str
    label: str
    content_type: str
    data: bytes
    created_at: float

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class StoredRelease:
    id: int
    repository: str
    tag_name: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    target_commitish: str
    created_at: float
    published_at: float | None
    assets: list[StoredAsset] = field(default_factory=list)


class _ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def response(self) -> Response:
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return json_response(body, self.status)


def _validation(resource: str, code: str, field_name: str) -> _ApiError:
    return _ApiError(
        422, "Validation Failed", [{"resource": resource, "code": code, "field": field_name}]
    )


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubApi(ServedOnLoopback):
    """``with GitHubApi() as api:`` serves the API until the block ends.

    Register repositories with :meth:`add_repository` and tokens with :meth:`add_token`; point
    a client at :attr:`api_url`. :attr:`releases` and :attr:`requests` show what clients did.
    ``digests=False`` leaves ``digest`` out of asset answers, as GitHub Enterprise Server
    releases from before GitHub added it do.
    """

    served_as = "GitHub API"

    def __init__(self, *, digests: bool = True, clock: Callable[[], float] = time.time) -> None:
        self._digests = digests
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}
        self._repositories: dict[str, str] = {}  # lower case -> as registered
        self._next_id = 1000
        self.releases: list[StoredRelease] = []
        # (method, path) of every request, in order, for tests that count what was sent.
        self.requests: list[tuple[str, str]] = []
        api = "/api/v3/repos/<owner>/<repo>"
        uploads = "/api/uploads/repos/<owner>/<repo>/releases/<int:release_id>/assets"
        routes: list[Route] = [
            ("GET", api, self._repository),
            ("GET", f"{api}/releases", self._list_releases),
            ("POST", f"{api}/releases", self._create_release),
            ("GET", f"{api}/releases/tags/<path:tag>", self._by_tag),
            ("GET", f"{api}/releases/<int:release_id>", self._get_release),
            ("PATCH", f"{api}/releases/<int:release_id>", self._update_release),
            ("GET", f"{api}/releases/assets/<int:asset_id>", self._get_asset),
            ("GET", f"{api}/releases/<int:release_id>/assets", self._list_assets),
            ("POST", uploads, self._upload_asset),
        ]
        self._server = LoopbackServer(
            [(method, path, self._guarded(handler)) for method, path, handler in routes]
        )

    # -- set-up -----------------------------------------------------------------------------

    def add_repository(self, full_name: str) -> None:
        with self._lock:
            self._repositories[full_name.lower()] = full_name

    def add_token(self, token: str, *, repositories: list[str], contents: Access) -> None:
        """A token (like a job's GITHUB_TOKEN) for these repositories with this ``contents``
        permission; metadata (the repository itself) is readable with either."""
        with self._lock:
            self._tokens[token] = _Token(contents, frozenset(r.lower() for r in repositories))

    # -- where it listens -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The web root (``GITHUB_SERVER_URL``), ``http://127.0.0.1:PORT``."""
        return self._server.url

    @property
    def api_url(self) -> str:
        """The REST root (``GITHUB_API_URL``), as on GitHub Enterprise Server."""
        return f"{self.url}/api/v3"

    def release_for(self, repository: str, tag: str) -> StoredRelease | None:
        with self._lock:
            for release in self.releases:
                if release.repository.lower() == repository.lower() and release.tag_name == tag:
                    return release
        return None

    # -- plumbing ---------------------------------------------------------------------------

    def _guarded(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def respond(request: Request, **arguments: Any) -> Response:
            with self._lock:
                self.requests.append((request.method, request.path))
                try:
                    return handler(request, **arguments)
                except _ApiError as error:
                    return error.response()

        return respond

    def _token(self, request: Request) -> _Token | None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if not header:
            return None
        token = self._tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
        if token is None:
            raise _ApiError(401, "Bad credentials")
        return token

    def _repo(self, request: Request, owner: str, repo: str, *, write: bool = False) -> str:
        """The repository's registered name, if this request's token may see it (and write
        its contents, when ``write``)."""
        token = self._token(request)
        key = f"{owner}/{repo}".lower()
        # Every repository here is private: without a token, or with one for other
        # repositories, it does not exist.
        if key not in self._repositories or token is None or key not in token.repositories:
            raise _ApiError(404, "Not Found")
        if write and token.contents != "write":
            raise _ApiError(403, "Resource not accessible by integration")
        return self._repositories[key]

    def _can_write(self, request: Request) -> bool:
        token = self._token(request)
        return token is not None and token.contents == "write"

    def _web(self, repository: str) -> str:
        return f"{self.url}/{repository}"

    def _asset_json(self, release: StoredRelease, asset: StoredAsset) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "url": f"{self.api_url}/repos/{release.repository}/releases/assets/{asset.id}",
            "browser_download_url": (
                f"{self._web(release.repository)}/releases/download/"
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
        if self._digests:
            answer["digest"] = f"sha256:{asset.sha256}"
        return answer

    def _release_json(self, release: StoredRelease) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{release.repository}/releases/{release.id}"
        web = self._web(release.repository)
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
                f"{self.url}/api/uploads/repos/{release.repository}/releases/{release.id}"
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
            "assets": [self._asset_json(release, asset) for asset in release.assets],
            "tarball_url": f"{self.api_url}/repos/{release.repository}/tarball/{release.tag_name}",
            "zipball_url": f"{self.api_url}/repos/{release.repository}/zipball/{release.tag_name}",
        }

    def _find(self, repository: str, release_id: int, request: Request) -> StoredRelease:
        for release in self.releases:
            if release.repository == repository and release.id == release_id:
                if release.draft and not self._can_write(request):
                    break  # drafts are invisible to those who cannot push
                return release
        raise _ApiError(404, "Not Found")

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        try:
            per_page = min(int(request.args.get("per_page", "30")), 100)
            page = max(int(request.args.get("page", "1")), 1)
        except ValueError:
            raise _ApiError(400, "Invalid pagination parameters") from None
        per_page = max(per_page, 1)
        start = (page - 1) * per_page
        response = json_response(items[start : start + per_page])
        last = max((len(items) + per_page - 1) // per_page, 1)
        if page < last:
            base = f"{self.url}{request.path}"
            response.headers["Link"] = ", ".join(
                f'<{base}?{urlencode({"per_page": per_page, "page": number})}>; rel="{rel}"'
                for rel, number in (("next", page + 1), ("last", last))
            )
        return response

    def _json_body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            raise _ApiError(400, "Problems parsing JSON") from None
        if not isinstance(body, dict):
            raise _ApiError(400, "Problems parsing JSON")
        return body

    def _release_fields(self, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """The fields GitHub accepts, type-checked; 422 like GitHub for the rest."""
        if creating and "tag_name" not in body:
            raise _validation("Release", "missing_field", "tag_name")
        for name in ("tag_name", "name", "body", "target_commitish"):
            if name in body and body[name] is not None and not isinstance(body[name], str):
                raise _validation("Release", "invalid", name)
        if "tag_name" in body and not (body["tag_name"] or "").strip():
            raise _validation("Release", "invalid", "tag_name")
        for name in ("draft", "prerelease", "generate_release_notes"):
            if name in body and not isinstance(body[name], bool):
                raise _validation("Release", "invalid", name)
        if "make_latest" in body and body["make_latest"] not in _MAKE_LATEST:
            raise _validation("Release", "invalid", "make_latest")
        return body

    def _refuse_second_published(self, repository: str, tag: str, but: int | None) -> None:
        for release in self.releases:
            if (
                release.repository == repository
                and release.tag_name == tag
                and not release.draft
                and release.id != but
            ):
                raise _validation("Release", "already_exists", "tag_name")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- endpoints --------------------------------------------------------------------------

    def _repository(self, request: Request, owner: str, repo: str) -> Response:
        name = self._repo(request, owner, repo)
        return json_response(
            {
                "id": int(hashlib.sha256(name.lower().encode()).hexdigest()[:7], 16),
                "node_id": f"R_{name}",
                "name": name.split("/", 1)[1],
                "full_name": name,
                "private": True,
                "html_url": self._web(name),
                "url": f"{self.api_url}/repos/{name}",
                "releases_url": f"{self.api_url}/repos/{name}/releases{{/id}}",
                "default_branch": "main",
                "permissions": {"pull": True, "push": self._can_write(request), "admin": False},
            }
        )

    def _list_releases(self, request: Request, owner: str, repo: str) -> Response:
        name = self._repo(request, owner, repo)
        visible = [
            r
            for r in self.releases
            if r.repository == name and (not r.draft or self._can_write(request))
        ]
        newest_first = sorted(visible, key=lambda r: r.created_at, reverse=True)
        return self._page(request, [self._release_json(r) for r in newest_first])

    def _by_tag(self, request: Request, owner: str, repo: str, tag: str) -> Response:
        name = self._repo(request, owner, repo)
        # Only a published release belongs to its tag; a draft is not found by it.
        for release in self.releases:
            if release.repository == name and release.tag_name == tag and not release.draft:
                return json_response(self._release_json(release))
        raise _ApiError(404, "Not Found")

    def _get_release(self, request: Request, owner: str, repo: str, release_id: int) -> Response:
        name = self._repo(request, owner, repo)
        return json_response(self._release_json(self._find(name, release_id, request)))

    def _create_release(self, request: Request, owner: str, repo: str) -> Response:
        name = self._repo(request, owner, repo, write=True)
        body = self._release_fields(self._json_body(request), creating=True)
        draft = bool(body.get("draft", False))
        if not draft:
            self._refuse_second_published(name, body["tag_name"], None)
        now = self._clock()
        release = StoredRelease(
            id=self._new_id(),
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
        self.releases.append(release)
        return json_response(self._release_json(release), 201)

    def _update_release(self, request: Request, owner: str, repo: str, release_id: int) -> Response:
        name = self._repo(request, owner, repo, write=True)
        release = self._find(name, release_id, request)
        body = self._release_fields(self._json_body(request), creating=False)
        tag = body.get("tag_name") or release.tag_name
        draft = bool(body.get("draft", release.draft))
        if not draft:
            self._refuse_second_published(name, tag, release.id)
        release.tag_name = tag
        if "name" in body:
            release.name = body["name"] or ""
        if "body" in body:
            release.body = body["body"] or ""
        if "prerelease" in body:
            release.prerelease = bool(body["prerelease"])
        if release.draft and not draft:
            release.published_at = self._clock()
        release.draft = draft
        return json_response(self._release_json(release))

    def _list_assets(self, request: Request, owner: str, repo: str, release_id: int) -> Response:
        name = self._repo(request, owner, repo)
        release = self._find(name, release_id, request)
        return self._page(request, [self._asset_json(release, a) for a in release.assets])

    def _get_asset(self, request: Request, owner: str, repo: str, asset_id: int) -> Response:
        name = self._repo(request, owner, repo)
        for release in self.releases:
            if release.repository != name or (release.draft and not self._can_write(request)):
                continue
            for asset in release.assets:
                if asset.id == asset_id:
                    # As GitHub: the file itself for Accept: application/octet-stream (GitHub
                    # may redirect to its storage first), its description otherwise.
                    if request.accept_mimetypes.best == "application/octet-stream":
                        return Response(asset.data, content_type="application/octet-stream")
                    return json_response(self._asset_json(release, asset))
        raise _ApiError(404, "Not Found")

    def _upload_asset(self, request: Request, owner: str, repo: str, release_id: int) -> Response:
        name = self._repo(request, owner, repo, write=True)
        release = self._find(name, release_id, request)
        asset_name = request.args.get("name", "")
        if not asset_name:
            raise _validation("ReleaseAsset", "missing_field", "name")
        if not request.headers.get("Content-Type"):
            raise _ApiError(422, "Content-Type header is required")
        data = request.get_data()
        declared = request.headers.get("Content-Length")
        if declared is None or int(declared) != len(data) or not data:
            raise _ApiError(400, "Bad Content-Length")
        if any(asset.name == asset_name for asset in release.assets):
            raise _validation("ReleaseAsset", "already_exists", "name")
        asset = StoredAsset(
            id=self._new_id(),
            name=asset_name,
            label=request.args.get("label", ""),
            content_type=request.headers["Content-Type"],
            data=data,
            created_at=self._clock(),
        )
        release.assets.append(asset)
        return json_response(self._asset_json(release, asset), 201)
