"""A stand-in for PyPI's warehouse on 127.0.0.1: Trusted Publishing's token exchange, the
legacy upload API, and the simple and JSON APIs for what it holds.

Each endpoint makes warehouse's checks in warehouse's order and answers as warehouse does:
the same routes, status codes, JSON shapes, error codes and messages (the upload API's messages
in the HTTP reason phrase). ``research/PROTOCOLS.md`` §2 and §3 list them. It trusts one
issuer, the sandbox's :class:`GitHubIssuer`, under GitHub's real issuer URL, and reads that
issuer's keys over HTTP as warehouse reads GitHub's. PEP 740 attestations are refused until
the sandbox can verify them: an index that took them unverified would prove nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, cast

import jwt
import requests
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from trove_classifiers import all_classifiers, deprecated_classifiers
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import LoopbackServer, json_response, reason_response
from py_release.sandbox.identity import GITHUB_ISSUER
from py_release.sandbox.issuer import GitHubIssuer
from py_release.secrets import Secret

# -- what warehouse says, where it says it ----------------------------------------------------

JWT_LEEWAY = 30
ISSUER_SERVICES = {GITHUB_ISSUER: "github"}
REQUIRED_CLAIMS = (
    "repository", "repository_owner", "repository_owner_id", "job_workflow_ref", "jti",
    "event_name", "ref", "sha",
)  # fmt: skip
_WORKFLOW_FILE = re.compile(r"([^/]+\.(yml|yaml))(?=@)")

INVALID_AUTH = (
    "Invalid or non-existent authentication information. "
    "See https://pypi.org/help/#invalid-auth for more information."
)
CORE_METADATA_HELP = "https://packaging.python.org/specifications/core-metadata"
LOCAL_VERSION_HELP = (
    "https://packaging.python.org/en/latest/specifications/version-specifiers/"
    "#local-version-identifiers"
)
PEP_527 = "https://www.python.org/dev/peps/pep-0527"
NON_USER_CANNOT_CREATE = (
    "Non-user identities cannot create new projects. This was probably caused by "
    "successfully using a pending publisher but specifying the project name incorrectly "
    "(either in the publisher or in your project's metadata). Please ensure that both "
    "match. See: https://docs.pypi.org/trusted-publishers/troubleshooting/"
)
ATTESTATIONS_REFUSED = (
    "Invalid attestations supplied during upload: this stand-in does not verify attestations yet"
)
MIB = 1024 * 1024
FILE_SIZE_LIMIT = 100 * MIB
PROJECT_SIZE_LIMIT = 10 * 1024 * MIB
RELEASE_OPEN_DAYS = 14  # new files are refused for releases older than this

SIMPLE_API_VERSION = "1.1"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"

_NAME = re.compile(r"([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])", re.IGNORECASE)
_HEX64 = re.compile(r"[A-F0-9]{64}", re.IGNORECASE)
_EXTENSIONS = {"sdist": (".tar.gz", ".zip"), "bdist_wheel": (".whl",)}
_DIST_EXTENSION = re.compile(r".+?(\.(tar\.gz|zip|whl))$", re.IGNORECASE)
SUPPORTED_METADATA_VERSIONS = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
_FIRST_REPORTED = ("metadata-version", "name", "version")
# Fields that may be declared Dynamic (PEP 643, PEP 794): every field but the identifying ones.
_NOT_DYNAMIC = {"metadata-version", "name", "version", "dynamic"}


@dataclass(frozen=True)
class TrustedPublisher:
    """A trusted publisher as registered on PyPI's form: this workflow may publish ``project``.

    ``environment`` empty means any environment; a ``pending`` publisher may only create a new
    project (on its first use, as on PyPI).
    """

    project: str
    repository: str
    repository_owner_id: str
    workflow_file: str
    environment: str = ""
    pending: bool = False


# -- internal state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Publisher:
    owner: str
    name: str
    owner_id: str
    workflow_file: str
    environment: str  # lower case; "" matches any

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class _IndexToken:
    publisher: _Publisher
    projects: frozenset[str]  # normalised names
    not_before: int
    expires_at: int


@dataclass(frozen=True)
class _File:
    filename: str
    version: str
    packagetype: str
    python_version: str
    size: int
    md5: str
    sha256: str
    blake2_256: str
    uploaded_at: float
    metadata_sha256: str | None


@dataclass
class _Release:
    version: str
    requires_python: str | None
    summary: str | None
    created_at: float
    files: list[_File] = field(default_factory=list)


@dataclass
class _Project:
    name: str
    releases: dict[str, _Release] = field(default_factory=dict)  # canonical version -> release

    @property
    def normalized(self) -> str:
        return canonicalize_name(self.name)

    def files(self) -> list[_File]:
        return [f for release in self.releases.values() for f in release.files]


class _Refused(Exception):
    """The token exchange fails with warehouse's ``code`` and ``description``."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class _InvalidPublisher(Exception):
    pass


class _ReusedToken(Exception):
    pass


class _UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> _UploadRefused:
    return _UploadRefused(400, message)


# -- the server --------------------------------------------------------------------------------


class Warehouse:
    """``with Warehouse(issuer=issuer) as index:`` runs the stand-in until the block ends.

    Register who may publish with :meth:`add_publisher`; exchange an ID token from ``issuer``
    at ``/_/oidc/mint-token``; upload to ``upload_url`` with ``__token__`` and the minted token.
    The clock decides token lifetimes (the ID token's ``exp``/``nbf``/``iat`` and the minted
    token's expiry), so a test can move time; share it with the issuer when you do.
    """

    def __init__(
        self,
        *,
        issuer: GitHubIssuer,
        audience: str = "pypi",
        trusted_publishing: bool = True,
        token_lifetime: int = 900,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = issuer
        self.audience = audience
        self.trusted_publishing = trusted_publishing
        self.token_lifetime = token_lifetime
        self._root = root
        self._clock = clock
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.RLock()
        self._keys: dict[str, dict[str, Any]] = {}
        self._publishers: dict[_Publisher, set[str]] = {}
        self._pending: dict[_Publisher, str] = {}
        self._projects: dict[str, _Project] = {}
        self._tokens: dict[str, _IndexToken] = {}
        self._used_jti: dict[str, int] = {}
        self._serial = 0
        self.minted: list[Secret] = []
        self.uploads: list[tuple[str, int]] = []
        routes = Map(
            [
                Rule("/_/oidc/audience", endpoint="audience", methods=["GET"]),
                Rule("/_/oidc/mint-token", endpoint="mint", methods=["POST"]),
                Rule("/_/oidc/github/mint-token", endpoint="mint", methods=["POST"]),
                Rule("/legacy/", endpoint="upload", methods=["POST"]),
                Rule("/legacy", endpoint="legacy_no_slash", methods=["POST"]),
                Rule("/simple/", endpoint="simple_index", methods=["GET"]),
                Rule("/simple/<project>/", endpoint="simple_project", methods=["GET"]),
                Rule("/files/<filename>", endpoint="file", methods=["GET"]),
                Rule("/pypi/<project>/json", endpoint="json_project", methods=["GET"]),
                Rule("/pypi/<project>/<version>/json", endpoint="json_release", methods=["GET"]),
            ]
        )
        self._server = LoopbackServer(
            routes,
            {
                "audience": self._audience,
                "mint": self._mint_token,
                "upload": self._upload,
                "legacy_no_slash": self._legacy_no_slash,
                "simple_index": self._simple_index,
                "simple_project": self._simple_project,
                "file": self._file,
                "json_project": self._json_project,
                "json_release": self._json_release,
            },
        )

    # -- where it listens, what it holds ---------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return self._server.url

    @property
    def upload_url(self) -> str:
        return f"{self.url}/legacy/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    @property
    def root(self) -> Path:
        if self._root is None:
            raise RuntimeError("the warehouse is not running; use it in a with block")
        return self._root

    def add_publisher(self, publisher: TrustedPublisher) -> None:
        """Register a trusted publisher (as a project owner does on PyPI)."""
        owner, _, name = publisher.repository.partition("/")
        if not owner or not name:
            raise ValueError(f"repository must be owner/name, not {publisher.repository!r}")
        key = _Publisher(
            owner, name, publisher.repository_owner_id, publisher.workflow_file,
            publisher.environment.lower(),
        )  # fmt: skip
        with self._lock:
            if publisher.pending:
                self._pending[key] = publisher.project
            else:
                self._publishers.setdefault(key, set()).add(canonicalize_name(publisher.project))

    def add_project(self, name: str) -> None:
        """Create an empty project, as if someone had registered the name before."""
        with self._lock:
            self._projects.setdefault(canonicalize_name(name), _Project(name))

    def files(self, project: str) -> dict[str, str]:
        """What the index holds for ``project``: file name -> sha256."""
        with self._lock:
            found = self._projects.get(canonicalize_name(project))
            return {f.filename: f.sha256 for f in found.files()} if found else {}

    def __enter__(self) -> Warehouse:
        if self._root is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="py-release-warehouse-")
            self._root = Path(self._scratch.name)
        (self._root / "files").mkdir(parents=True, exist_ok=True)
        (self._root / "incoming").mkdir(parents=True, exist_ok=True)
        self._server.start("warehouse")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self._root = None

    def _now(self) -> int:
        return int(self._clock())

    # -- Trusted Publishing ----------------------------------------------------------------

    def _audience(self, request: Request) -> Response:
        if not self.trusted_publishing:
            return json_response(
                {"message": "Trusted publishing functionality not enabled"}, status=403
            )
        return json_response({"audience": self.audience})

    def _mint_token(self, request: Request) -> Response:
        try:
            answer = self._exchange(request.get_data())
        except _Refused as refused:
            return json_response(
                {
                    "message": "Token request failed",
                    "errors": [{"code": refused.code, "description": refused.description}],
                },
                status=422,
            )
        return json_response(answer)

    def _exchange(self, body: bytes) -> dict[str, object]:
        """warehouse's ``mint_token_from_oidc``: every check, in its order."""
        token = _token_from_payload(body)
        try:
            unverified_issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
        except (jwt.PyJWTError, KeyError):
            raise _Refused("invalid-payload", "malformed JWT") from None
        service = (
            ISSUER_SERVICES.get(unverified_issuer) if isinstance(unverified_issuer, str) else None
        )
        if service is None:
            raise _Refused("invalid-payload", "unknown trusted publishing issuer")
        if not self.trusted_publishing:
            raise _Refused("not-enabled", f"{service} trusted publishing functionality not enabled")
        claims = self._verified_claims(token)
        if claims is None:
            raise _Refused("invalid-token", "malformed or invalid token")
        with self._lock:
            publisher = self._publisher_for(claims)
            jti = str(claims["jti"])
            if jti in self._used_jti:  # the atomic claim of the jti (SET NX)
                raise _Refused("invalid-reuse-token", "invalid token: already used")
            self._used_jti[jti] = int(claims["exp"]) + JWT_LEEWAY + 5
            not_before = self._now()
            expires_at = not_before + self.token_lifetime
            minted = "pypi-" + secrets.token_urlsafe(48)
            projects = frozenset(self._publishers.get(publisher, set()))
            self._tokens[minted] = _IndexToken(publisher, projects, not_before, expires_at)
            self.minted.append(Secret(minted))
        return {"success": True, "token": minted, "expires": expires_at}

    def _verified_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token signed by the issuer's key for this audience, else None."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._key(kid) if isinstance(kid, str) else None
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key=jwt.PyJWK(key),
                algorithms=["RS256"],
                options={
                    "verify_signature": True,
                    "require": ["iss", "iat", "exp", "aud"],
                    "verify_iss": True,
                    "verify_aud": True,
                    "strict_aud": True,
                    # exp, nbf and iat are checked below against this warehouse's clock, by
                    # PyJWT's rules with warehouse's leeway.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
                issuer=GITHUB_ISSUER,
                audience=self.audience,
            )
            _check_times(claims, self._clock(), JWT_LEEWAY)
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            return None
        return claims

    def _key(self, kid: str) -> dict[str, Any] | None:
        """The issuer's JWK for ``kid``; the keyset is fetched again once when it is unknown."""
        with self._lock:
            if kid not in self._keys:
                self._refresh_keys()
            return self._keys.get(kid)

    def _refresh_keys(self) -> None:
        # warehouse reads f"{iss}/.well-known/openid-configuration", then its jwks_uri; the
        # sandbox maps GitHub's issuer URL to the local issuer.
        try:
            configuration = requests.get(
                f"{self._issuer.url}/.well-known/openid-configuration", timeout=5
            )
            jwks_uri = configuration.json().get("jwks_uri") if configuration.ok else None
            if not isinstance(jwks_uri, str):
                return
            keyset = requests.get(jwks_uri, timeout=5)
            keys = keyset.json().get("keys") if keyset.ok else None
        except (requests.RequestException, ValueError, AttributeError):
            return
        if isinstance(keys, list) and keys:
            self._keys = {key["kid"]: key for key in keys if isinstance(key, dict) and "kid" in key}

    def _publisher_for(self, claims: Mapping[str, Any]) -> _Publisher:
        """A pending publisher first (creating its project), then the project's publisher."""
        try:
            pending = self._find(claims, self._pending)
        except _InvalidPublisher:
            pass
        except _ReusedToken:
            raise _Refused("invalid-reuse-token", "invalid token: already used") from None
        else:
            project = self._pending.pop(pending)
            if canonicalize_name(project) in self._projects:
                raise _Refused(
                    "invalid-pending-publisher", "valid token, but project already exists"
                )
            self._projects[canonicalize_name(project)] = _Project(project)
            self._publishers.setdefault(pending, set()).add(canonicalize_name(project))
        try:
            return self._find(claims, self._publishers)
        except _ReusedToken:
            raise _Refused("invalid-reuse-token", "invalid token: already used") from None
        except _InvalidPublisher as exc:
            raise _Refused(
                "invalid-publisher", f"valid token, but no corresponding publisher ({exc})"
            ) from None

    def _find(self, claims: Mapping[str, Any], registry: Iterable[_Publisher]) -> _Publisher:
        """warehouse's ``find_publisher``: claims present, lookup, then each claim checked."""
        for name in REQUIRED_CLAIMS:
            if claims.get(name) is None:
                raise _InvalidPublisher(f"Missing claim {name!r}")
        publisher = _lookup(claims, registry)
        _verify_claims(publisher, claims)
        if str(claims["jti"]) in self._used_jti:
            raise _ReusedToken
        if claims["event_name"] == "pull_request_target":
            raise _InvalidPublisher(
                "Publishing from a workflow invoked via 'pull_request_target' is not supported."
            )
        environment = claims.get("environment")
        if publisher.environment and not (
            isinstance(environment, str) and environment.lower() == publisher.environment
        ):
            raise _InvalidPublisher("Check failed for optional claim 'environment'")
        return publisher

    # -- legacy upload API -----------------------------------------------------------------

    def _legacy_no_slash(self, request: Request) -> Response:
        return reason_response(
            request, 308,
            "An upload was attempted to /legacy but the expected upload URL is /legacy/ "
            "(with a trailing slash)",
            Location="/legacy/",
        )  # fmt: skip

    def _upload(self, request: Request) -> Response:
        content = request.files.get("content")
        filename = (content.filename or "") if content is not None else ""
        try:
            self._accept_upload(request)
        except _UploadRefused as refused:
            with self._lock:
                self.uploads.append((filename, refused.status))
            return reason_response(request, refused.status, refused.message)
        with self._lock:
            self.uploads.append((filename, 200))
        return Response(b"", status=200, content_type="text/plain")

    def _accept_upload(self, request: Request) -> None:
        action = request.values.get(":action")
        if action in ("submit", "submit_pkg_info"):
            raise _UploadRefused(
                410,
                "Project pre-registration is no longer required or supported, "
                "upload your files instead.",
            )
        if action == "doc_upload":
            raise _UploadRefused(
                410,
                "Uploading documentation is no longer supported, we recommend using "
                "https://readthedocs.org/.",
            )
        if action != "file_upload":
            # warehouse serves its upload help page here; refusing is stricter and clearer.
            raise _bad("Invalid or missing ':action': this endpoint only takes file_upload.")
        form = _sanitized(request.form)
        tuples = sorted(set(request.files) - {"content", "gpg_signature"})
        if tuples:
            raise _bad(f"{tuples[0]}: Should not be a tuple.")
        token = self._token_for(request)
        if token is None:
            raise _UploadRefused(403, INVALID_AUTH)
        if form.get("protocol_version", "1") != "1":
            raise _bad("Unknown protocol version.")
        filetype = _validate_form(form)
        meta = _parse_metadata(form)
        content = request.files.get("content")
        if content is None:
            raise _bad("Upload payload does not have a file.")
        with self._lock:
            self._store_upload(form, filetype, meta, content, token)

    def _token_for(self, request: Request) -> _IndexToken | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            authorization = request.authorization
            if authorization is None or authorization.username != "__token__":
                return None
            value = authorization.password or ""
        elif scheme.lower() not in ("token", "bearer"):
            return None
        with self._lock:
            for known, token in self._tokens.items():
                if hmac.compare_digest(known.encode(), value.strip().encode()):
                    return token
        return None

    def _store_upload(
        self,
        form: MultiDict[str, str],
        filetype: str,
        meta: Metadata,
        content: FileStorage,
        token: _IndexToken,
    ) -> None:
        normalized = canonicalize_name(form["name"])
        project = self._projects.get(normalized)
        if project is None and normalized not in token.projects:
            raise _bad(NON_USER_CANNOT_CREATE)
        shown = project.name if project else meta.name
        if normalized not in token.projects:
            raise _UploadRefused(
                403, f"Invalid API Token: OIDC scoped token is not valid for project '{shown}'"
            )
        now = self._now()
        if now < token.not_before or now >= token.expires_at:
            raise _UploadRefused(403, "Invalid API Token: token is expired")
        filename = content.filename or ""
        _validate_filename(filename, filetype)
        # A part without Content-Type is text/plain to warehouse's form parser (cgi).
        if (content.content_type or "text/plain").startswith("image/"):
            raise _bad("Invalid distribution file.")
        used = sum(f.size for f in project.files()) if project else 0
        incoming = self.root / "incoming" / secrets.token_hex(8)
        try:
            hashes, size = _receive(content.stream, incoming, shown, used)
            self._check_and_keep(form, filetype, meta, filename, incoming, hashes, size, project)
        finally:
            incoming.unlink(missing_ok=True)

    def _check_and_keep(
        self,
        form: MultiDict[str, str],
        filetype: str,
        meta: Metadata,
        filename: str,
        path: Path,
        hashes: dict[str, str],
        size: int,
        project: _Project | None,
    ) -> None:
        for name, value in hashes.items():
            given = form.get(f"{name}_digest")
            if given and not hmac.compare_digest(given.lower(), value):
                raise _bad(
                    "The digest supplied does not match a digest calculated from the uploaded file."
                )
        existing = self._file_named_or_hashed(filename, hashes["blake2_256"])
        if existing is not None:
            if (existing.filename, existing.sha256, existing.blake2_256) == (
                filename, hashes["sha256"], hashes["blake2_256"],
            ):  # fmt: skip
                return  # the very same file again: warehouse answers 200 and changes nothing
            raise _bad(
                f"File already exists ({filename!r}, with blake2_256 hash "
                f"{hashes['blake2_256']!r}). See https://pypi.org/help/#file-name-reuse "
                "for more information."
            )
        canonical = canonicalize_version(meta.version)
        release = project.releases.get(canonical) if project else None
        if release and self._clock() - release.created_at > RELEASE_OPEN_DAYS * 86_400:
            raise _bad(
                f"Uploading new files to releases older than {RELEASE_OPEN_DAYS} days is not "
                "allowed."
            )
        if filetype == "sdist" and release and any(f.packagetype == "sdist" for f in release.files):
            raise _bad("Only one sdist may be uploaded per release.")
        normalized = canonicalize_name(form["name"])
        shown = project.name if project else meta.name
        metadata_file = _check_distribution(path, filename, filetype, meta, normalized, shown)
        if "attestations" in form:
            raise _bad(ATTESTATIONS_REFUSED)
        self._keep(path, filename, filetype, form, meta, hashes, size, metadata_file)

    def _keep(
        self,
        path: Path,
        filename: str,
        filetype: str,
        form: MultiDict[str, str],
        meta: Metadata,
        hashes: dict[str, str],
        size: int,
        metadata_file: bytes | None,
    ) -> None:
        normalized = canonicalize_name(meta.name)
        project = self._projects.setdefault(normalized, _Project(meta.name))
        project.name = meta.name  # warehouse follows the latest upload's spelling
        canonical = canonicalize_version(meta.version)
        release = project.releases.setdefault(
            canonical,
            _Release(
                str(meta.version),
                str(meta.requires_python) if meta.requires_python else None,
                meta.summary,
                self._clock(),
            ),
        )
        files = self.root / "files"
        shutil.copyfile(path, files / filename)
        metadata_sha256 = None
        if metadata_file is not None:
            (files / f"{filename}.metadata").write_bytes(metadata_file)
            metadata_sha256 = hashlib.sha256(metadata_file).hexdigest()
        release.files.append(
            _File(
                filename=filename,
                version=str(meta.version),
                packagetype=filetype,
                python_version=form.get("pyversion") or "source",
                size=size,
                md5=hashes["md5"],
                sha256=hashes["sha256"],
                blake2_256=hashes["blake2_256"],
                uploaded_at=self._clock(),
                metadata_sha256=metadata_sha256,
            )
        )
        self._serial += 1

    def _file_named_or_hashed(self, filename: str, blake2_256: str) -> _File | None:
        for project in self._projects.values():
            for held in project.files():
                if held.filename == filename or held.blake2_256 == blake2_256:
                    return held
        return None

    # -- read APIs -------------------------------------------------------------------------

    def _simple_index(self, request: Request) -> Response:
        kind = _simple_kind(request)
        with self._lock:
            names = sorted((p.normalized, p.name) for p in self._projects.values())
        if kind == SIMPLE_JSON:
            return json_response(
                {
                    "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": self._serial},
                    "projects": [{"name": name} for _, name in names],
                },
                content_type=SIMPLE_JSON,
            )
        links = "".join(
            f'    <a href="/simple/{normalized}/">{html.escape(name)}</a>\n'
            for normalized, name in names
        )
        return _html_page("Simple index", links, kind)

    def _simple_project(self, request: Request, project: str) -> Response:
        normalized = canonicalize_name(project)
        with self._lock:
            found = self._projects.get(normalized)
            if found is None:
                return Response("404 Not Found", status=404, content_type="text/plain")
            if project != normalized:
                return Response(status=301, headers={"Location": f"/simple/{normalized}/"})
            releases = list(found.releases.values())
        files = sorted(
            ((release, f) for release in releases for f in release.files),
            key=lambda pair: (Version(pair[1].version), pair[1].filename),
        )
        kind = _simple_kind(request)
        if kind == SIMPLE_JSON:
            base = request.host_url.rstrip("/")
            return json_response(
                {
                    "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": self._serial},
                    "name": normalized,
                    "versions": sorted({f.version for _, f in files}, key=Version),
                    "files": [_simple_file(base, release, f) for release, f in files],
                },
                content_type=SIMPLE_JSON,
            )
        links = "".join(_simple_link(release, f) for release, f in files)
        return _html_page(f"Links for {normalized}", links, kind)

    def _file(self, request: Request, filename: str) -> Response:
        with self._lock:
            held = self._file_named_or_hashed(filename.removesuffix(".metadata"), "")
        if held is None:
            return Response("404 Not Found", status=404, content_type="text/plain")
        if filename.endswith(".metadata"):
            if held.metadata_sha256 is None:
                return Response("404 Not Found", status=404, content_type="text/plain")
            return Response(
                (self.root / "files" / filename).read_bytes(), content_type="text/plain"
            )
        return Response(
            (self.root / "files" / filename).read_bytes(),
            content_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def _json_project(self, request: Request, project: str) -> Response:
        return self._json_api(request, project, None)

    def _json_release(self, request: Request, project: str, version: str) -> Response:
        return self._json_api(request, project, version)

    def _json_api(self, request: Request, project: str, version: str | None) -> Response:
        not_found = json_response({"message": "Not Found"}, status=404)
        with self._lock:
            found = self._projects.get(canonicalize_name(project))
            if found is None or not found.releases:
                return not_found
            releases = {r.version: r for r in found.releases.values()}
            name = found.name
        if version is None:
            final = [v for v in releases if not Version(v).is_prerelease]
            version = max(final or list(releases), key=Version)
        else:
            try:
                chosen = found.releases.get(canonicalize_version(Version(version)))
            except InvalidVersion:
                return not_found
            if chosen is None:
                return not_found
            version = chosen.version
        base = request.host_url.rstrip("/")
        release = releases[version]
        return json_response(
            {
                "info": {
                    "name": name,
                    "version": release.version,
                    "summary": release.summary,
                    "requires_python": release.requires_python,
                    "package_url": f"{base}/simple/{canonicalize_name(name)}/",
                    "yanked": False,
                    "yanked_reason": None,
                },
                "last_serial": self._serial,
                "releases": {
                    r.version: [_json_file(base, r, f) for f in r.files]
                    for r in sorted(releases.values(), key=lambda r: Version(r.version))
                },
                "urls": [_json_file(base, release, f) for f in release.files],
                "vulnerabilities": [],
            }
        )


# -- token exchange helpers --------------------------------------------------------------------


def _token_from_payload(body: bytes) -> str:
    """The ``token`` of a ``{"token": "<jwt>"}`` body, or ``invalid-payload`` (pydantic's
    StrictStr rules: a string, nothing else)."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise _Refused(
            "invalid-payload",
            f"1 validation error for TokenPayload\n  Invalid JSON: {exc} [type=json_invalid]",
        ) from None
    if not isinstance(payload, dict):
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\n  Input should be an object [type=model_type]",
        )
    if "token" not in payload:
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\ntoken\n  Field required [type=missing]",
        )
    token = payload["token"]
    if not isinstance(token, str):
        raise _Refused(
            "invalid-payload",
            "1 validation error for TokenPayload\ntoken\n  Input should be a valid string "
            "[type=string_type]",
        )
    return token


def _check_times(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    """PyJWT's checks of ``iat``, ``nbf`` and ``exp``, made against ``now``."""
    if "iat" in claims and int(claims["iat"]) > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in claims and int(claims["nbf"]) > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    if int(claims["exp"]) <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")


def _lookup(claims: Mapping[str, Any], registry: Iterable[_Publisher]) -> _Publisher:
    """The publisher registered for the claims' repository, owner id and workflow file,
    preferring one bound to the claims' environment over one for any environment."""
    repository = claims["repository"]
    workflow_ref = claims["job_workflow_ref"]
    if not isinstance(repository, str) or "/" not in repository:
        raise _InvalidPublisher("Publisher with matching claims was not found")
    owner, name = repository.split("/", 1)
    match = _WORKFLOW_FILE.search(workflow_ref) if isinstance(workflow_ref, str) else None
    if match is None:
        raise _InvalidPublisher("Could not job extract workflow filename from OIDC claims")
    candidates = [
        p
        for p in registry
        if (p.name, p.owner, p.owner_id, p.workflow_file)
        == (name, owner, claims["repository_owner_id"], match.group(0))
    ]
    environment = claims.get("environment")
    if isinstance(environment, str) and environment:
        for publisher in candidates:
            if publisher.environment == environment.lower():
                return publisher
    for publisher in candidates:
        if publisher.environment == "":
            return publisher
    raise _InvalidPublisher("Publisher with matching claims was not found")


def _verify_claims(publisher: _Publisher, claims: Mapping[str, Any]) -> None:
    """The publisher's required claims, in warehouse's order (up to ``jti``)."""
    repository = claims["repository"]
    if not (isinstance(repository, str) and repository.lower() == publisher.repository.lower()):
        raise _InvalidPublisher("Check failed for required claim 'repository'")
    if claims["repository_owner"] != publisher.owner:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner'")
    if claims["repository_owner_id"] != publisher.owner_id:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner_id'")
    signed = claims["job_workflow_ref"]
    if not signed:
        raise _InvalidPublisher("The job_workflow_ref claim is empty")
    refs = [r for r in (claims.get("ref"), claims.get("sha")) if r]
    if not refs:
        raise _InvalidPublisher("The ref and sha claims are empty")
    ground_truth = f"{publisher.repository}/.github/workflows/{publisher.workflow_file}"
    expected = sorted({f"{ground_truth}@{r}" for r in refs})
    if signed not in expected:
        raise _InvalidPublisher(
            f"The job_workflow_ref claim does not match, expecting one of {expected!r}, "
            f"got {signed!r}"
        )


# -- upload helpers ----------------------------------------------------------------------------


def _sanitized(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """warehouse's ``sanitize``: drop distutils' "UNKNOWN" values, escape NUL characters."""
    clean: MultiDict[str, str] = MultiDict()
    for key in form:
        values = form.getlist(key)
        if values and values[0].strip() == "UNKNOWN":
            continue
        for value in values:
            clean.add(key, value.replace("\x00", "\\x00"))
    return clean


def _validate_form(form: MultiDict[str, str]) -> str:
    """warehouse's ``UploadForm``; returns the filetype."""
    errors: dict[str, str] = {}
    name = form.get("name", "")
    if not name:
        errors["name"] = "This field is required."
    elif not _NAME.fullmatch(name):
        errors["name"] = (
            "Start and end with a letter or numeral containing only ASCII numeric and "
            "'.', '_' and '-'."
        )
    filetype = form.get("filetype", "")
    if not filetype:
        errors["filetype"] = "This field is required."
    elif filetype not in _EXTENSIONS:
        errors["filetype"] = "Use a known file type."
    for digest, label in (("sha256_digest", "SHA256"), ("blake2_256_digest", "BLAKE2")):
        value = form.get(digest, "").strip()
        if value and not _HEX64.fullmatch(value):
            errors[digest] = f"Use a valid, hex-encoded, {label} message digest."
    if "name" in errors:
        shown = name if len(name) <= 60 else f"{name[:30]}...{name[-30:]}"
        raise _bad(
            f"{shown!r} is an invalid value for Name. Error: {errors['name']} "
            f"See {CORE_METADATA_HELP} for more information."
        )
    if errors:
        first = sorted(errors)[0]
        raise _bad(f"Invalid value for {first}. Error: {errors[first]}")
    pyversion = form.get("pyversion", "")
    if filetype != "sdist" and not pyversion:
        raise _bad(
            "Invalid value for pyversion. Error: Python version is required for binary "
            "distribution uploads."
        )
    if filetype == "sdist" and pyversion not in ("", "source"):
        raise _bad(
            "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist."
        )
    if not any(form.get(f"{d}_digest") for d in ("md5", "sha256", "blake2_256")):
        raise _bad("Error: Include at least one message digest.")
    return filetype


# Form field -> packaging's RawMetadata key, for the fields that are lists.
_LIST_FIELDS = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "classifiers": "classifiers",
    "requires_dist": "requires_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "dynamic": "dynamic",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}
_STRING_FIELDS = {
    "metadata_version", "name", "version", "summary", "description",
    "description_content_type", "home_page", "download_url", "author", "author_email",
    "maintainer", "maintainer_email", "license", "license_expression", "requires_python",
}  # fmt: skip


def _raw_metadata(form: MultiDict[str, str]) -> RawMetadata:
    """Core metadata from the upload form, as packaging's RawMetadata (twine sends each field
    under its RawMetadata name, repeated for lists)."""
    raw: dict[str, object] = {}
    unparsed: list[str] = []
    for name in sorted(set(form)):
        values = form.getlist(name)
        if values == [""]:
            continue
        if name in _STRING_FIELDS and len(values) == 1:
            raw[name] = values[0]
        elif name in _LIST_FIELDS:
            raw[_LIST_FIELDS[name]] = values
        elif name == "keywords" and len(values) == 1:
            raw["keywords"] = [k.strip() for k in values[0].split(",")]
        elif name == "project_urls":
            urls: dict[str, str] = {}
            for pair in values:
                label, _, url = pair.partition(",")
                if label.strip() in urls:
                    unparsed.append(name)
                    break
                urls[label.strip()] = url.strip()
            raw["project_urls"] = urls
        elif name in _STRING_FIELDS or name == "keywords":
            unparsed.append(name)
    if unparsed:
        raise ExceptionGroup(
            "unparsed", [InvalidMetadata(key, f"{key!r} has invalid data") for key in unparsed]
        )
    return cast(RawMetadata, raw)


def _parse_metadata(form: MultiDict[str, str]) -> Metadata:
    """Validated core metadata, with PyPI's rules on top of packaging's, or the 400 warehouse
    gives for the most important problem."""
    try:
        meta = Metadata.from_raw(_raw_metadata(form))
        problems = _pypi_rules(meta)
    except ExceptionGroup as group:
        problems = [e for e in group.exceptions if isinstance(e, InvalidMetadata)]
        if len(problems) != len(group.exceptions):
            raise
    if not problems:
        return meta
    by_field: dict[str, list[InvalidMetadata]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem)
    chosen = next((f for f in _FIRST_REPORTED if f in by_field), None) or sorted(by_field)[0]
    text = str(by_field[chosen][0])
    local = chosen == "version" and any("use of local versions" in str(e) for e in by_field[chosen])
    see = LOCAL_VERSION_HELP if local else CORE_METADATA_HELP
    raise _bad(f"{text}{'' if text.endswith('.') else '.'} See {see} for more information.")


def _pypi_rules(meta: Metadata) -> list[InvalidMetadata]:
    """What PyPI refuses that packaging accepts."""
    problems: list[InvalidMetadata] = []
    if meta.metadata_version not in SUPPORTED_METADATA_VERSIONS:
        problems.append(
            InvalidMetadata(
                "metadata-version", f"{meta.metadata_version!r} is not a valid metadata version"
            )
        )
    if meta.version.local:
        problems.append(
            InvalidMetadata(
                "version", f"The use of local versions in '{meta.version}' is not allowed."
            )
        )
    if meta.summary and len(meta.summary) > 512:
        problems.append(
            InvalidMetadata("summary", "'summary' field must be 512 characters or less.")
        )
    classifiers = set(meta.classifiers or [])
    problems += [
        InvalidMetadata("classifier", f"{classifier!r} is not a valid classifier.")
        for classifier in sorted(classifiers - set(all_classifiers))
    ]
    for classifier in sorted(classifiers & set(deprecated_classifiers)):
        instead = deprecated_classifiers[classifier]
        tail = f", use one of {instead} instead." if instead else "."
        problems.append(
            InvalidMetadata(
                "classifier", f"The classifier {classifier!r} has been deprecated{tail}"
            )
        )
    for label, url in (meta.project_urls or {}).items():
        if not label:
            problems.append(InvalidMetadata("project-url", "Must have a label"))
        elif len(label) > 32:
            problems.append(
                InvalidMetadata("project-url", f"{label!r} must be 32 characters or less.")
            )
        elif not url:
            problems.append(InvalidMetadata("project-url", "Must have a URL"))
    for key, requirements in (
        ("provides-dist", meta.provides_dist),
        ("obsoletes-dist", meta.obsoletes_dist),
    ):
        for text in requirements or []:
            try:
                if Requirement(text).url is not None:
                    problems.append(InvalidMetadata(key, f"Can't have direct dependency: {text!r}"))
            except InvalidRequirement as exc:
                problems.append(InvalidMetadata(key, f"{text!r} is invalid: {exc}"))
    problems += [
        InvalidMetadata("requires-dist", f"Can't have direct dependency: {requirement}")
        for requirement in meta.requires_dist or []
        if requirement.url is not None
    ]
    problems += [
        InvalidMetadata("dynamic", f"Dynamic field {key!r} is not a valid dynamic field.")
        for key in meta.dynamic or []
        if key.lower() in _NOT_DYNAMIC
    ]
    if meta.license and meta.license_expression:
        problems.append(
            InvalidMetadata(
                "license",
                "License is deprecated when License-Expression is present. "
                "Only License-Expression should be present.",
            )
        )
    return problems


def _validate_filename(filename: str, filetype: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in filename):
        raise _bad(
            "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
            "character (ordinal 127) in the name."
        )
    if "/" in filename or "\\" in filename:
        raise _bad("Cannot upload a file with '/' or '\\' in the name.")
    match = _DIST_EXTENSION.match(filename)
    if match is None:
        raise _bad(
            "Invalid file extension: Use .tar.gz, .whl or .zip extension. See "
            f"{PEP_527} and https://peps.python.org/pep-0715/ for more information"
        )
    if match.group(1) not in _EXTENSIONS[filetype]:
        raise _bad(
            f"Invalid file extension: Extension {match.group(1)} is invalid for filetype "
            f"{filetype}. See {PEP_527} for more information."
        )


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def _receive(
    stream: IO[bytes], target: Path, project: str, used: int
) -> tuple[dict[str, str], int]:
    """Write the upload to ``target``, hashing it and holding PyPI's size limits."""
    hashers: dict[str, _Hasher] = {
        "md5": hashlib.md5(usedforsecurity=False),
        "sha256": hashlib.sha256(),
        "blake2_256": hashlib.blake2b(digest_size=32),
    }
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(64 * 1024):
            size += len(chunk)
            if size > FILE_SIZE_LIMIT:
                raise _bad(
                    f"File too large. Limit for project {project!r} is "
                    f"{FILE_SIZE_LIMIT // MIB} MB. See https://docs.pypi.org/project-management/"
                    "storage-limits#requesting-a-file-size-limit-increase for more information."
                )
            if size + used > PROJECT_SIZE_LIMIT:
                raise _bad(
                    f"Project size too large. Limit for project {project!r} total size is "
                    f"{PROJECT_SIZE_LIMIT // (1024 * MIB)} GB. See https://docs.pypi.org/"
                    "project-management/storage-limits#requesting-a-project-size-limit-increase"
                )
            out.write(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: h.hexdigest().lower() for name, h in hashers.items()}, size


def _top_folder(names: list[str]) -> str:
    """The one folder every member is in (as warehouse reckons it), or ""."""
    top = os.path.commonpath(names) if names else ""
    return "" if top in (".", "/") else top


def _archive_problem(path: Path, filename: str) -> str | None:
    """What makes the file no distribution (warehouse's ``_is_valid_dist_file``), or None."""
    is_zip = zipfile.is_zipfile(path)
    is_tar = tarfile.is_tarfile(path)
    if is_zip and is_tar:
        return "File is both a zip and a tar file"
    if filename.endswith((".zip", ".whl")):
        if not is_zip:
            return "File is not a zipfile"
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    return "File does not use a supported compression type"
            names = archive.namelist()
            if filename.endswith(".zip"):
                top = _top_folder(names)
                if not top:
                    return "Incorrect number of top-level directories in sdist"
                if f"{top}/PKG-INFO" not in names:
                    return f"PKG-INFO not found at {top}/PKG-INFO"
            else:
                parts = filename.split("-", 2)
                if len(parts) < 3:
                    return "Unable to parse name and version from wheel filename"
                wheel_file = f"{parts[0]}-{parts[1]}.dist-info/WHEEL"
                if wheel_file not in names:
                    return f"WHEEL not found at {wheel_file}"
        return None
    if not is_tar:
        return "File is not a tarfile"
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError):
        return "None"
    if any(member.issparse() for member in members):
        return (
            "tar archive not accepted: Sparse members are not allowed. "
            "See https://docs.pypi.org/archives for more information"
        )
    top = _top_folder([m.name for m in members])
    if not top:
        return "Incorrect number of top-level directories in sdist"
    if f"{top}/PKG-INFO" not in {m.name for m in members}:
        return f"PKG-INFO not found at {top}/PKG-INFO"
    return None


def _check_distribution(
    path: Path, filename: str, filetype: str, meta: Metadata, normalized: str, shown: str
) -> bytes | None:
    """The archive and its name against the metadata; returns a wheel's METADATA."""
    problem = _archive_problem(path, filename)
    if problem is not None:
        raise _bad(f"Invalid distribution file. {problem}")
    underscored = normalized.replace("-", "_")
    if filetype == "sdist":
        _check_sdist_name(filename, meta, normalized, shown)
        return None
    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise _bad(str(exc)) from None
    for tag in tags:
        if not _supported_platform(tag.platform):
            raise _bad(
                f"Binary wheel '{filename}' has an unsupported platform tag '{tag.platform}'."
            )
    if canonicalize_name(meta.name) != name:
        raise _bad(
            f"Start filename for {shown!r} with {canonicalize_name(meta.name).replace('-', '_')!r}."
        )
    given_name = filename.split("-", 1)[0]
    if given_name != underscored:
        raise _bad(
            f"Filename {filename!r} should contain the normalized project name "
            f"{underscored!r}, not {given_name!r}."
        )
    if meta.version != version:
        raise _bad(f"Version in filename should be {str(meta.version)!r} not {str(version)!r}.")
    stem = "-".join(filename.split("-", 2)[:2])
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for license_file in meta.license_files or []:
            member = f"{stem}.dist-info/licenses/{license_file}"
            if member not in names:
                raise _bad(
                    f"License-File {license_file} does not exist in distribution file "
                    f"{filename} at {member}"
                )
        if f"{stem}.dist-info/RECORD" not in names:
            raise _bad(
                f"Wheel '{filename}' does not contain the required RECORD file: "
                f"{stem}.dist-info/RECORD"
            )
        if f"{stem}.dist-info/METADATA" not in names:
            raise _bad(
                f"Wheel '{filename}' does not contain the required METADATA file: "
                f"{stem}.dist-info/METADATA"
            )
        return archive.read(f"{stem}.dist-info/METADATA")


def _check_sdist_name(filename: str, meta: Metadata, normalized: str, shown: str) -> None:
    try:
        name_in_filename, _ = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        raise _bad(f"Invalid source distribution filename: {filename}") from None
    if canonicalize_name(name_in_filename) != normalized:
        raise _bad(f"Start filename for {shown!r} with {normalized.replace('-', '_')!r}.")
    expected = f"{normalized.replace('-', '_')}-{meta.version}.tar.gz"
    if filename != expected:
        raise _bad(f"Filename {filename!r} is invalid, should be {expected!r}.")


_MANYLINUX_ARCHES = {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64"}
_PLATFORM_PATTERNS = (
    re.compile(r"win32|win_(amd64|arm64|ia64)|linux_armv[67]l|any"),
    re.compile(r"manylinux(1|2010)_(x86_64|i686)"),
    re.compile(r"manylinux2014_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x)"),
    re.compile(
        r"macosx_(10_\d+|(1[1-9]|2\d)_0)_(universal2?|x86_64|arm64|intel|fat(3|64)?|i386|ppc(64)?)"
    ),
    re.compile(r"ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)"),
    re.compile(r"android_\d+_(armeabi_v7a|arm64_v8a|x86|x86_64)"),
    re.compile(r"pyemscripten_\d+_\d+_wasm32"),
)
_LINUX = re.compile(r"(many|musl)linux_\d+_\d+_(?P<arch>.+)")


def _supported_platform(platform: str) -> bool:
    """Platform tags PyPI accepts: binary ABIs with a published spec (so not linux_x86_64)."""
    if any(pattern.fullmatch(platform) for pattern in _PLATFORM_PATTERNS):
        return True
    linux = _LINUX.fullmatch(platform)
    if linux is None:
        return False
    arch = linux.group("arch")
    return arch in _MANYLINUX_ARCHES and not (platform.startswith("musl") and arch == "ppc64")


# -- read API helpers --------------------------------------------------------------------------


def _simple_kind(request: Request) -> str:
    """The simple API's content negotiation: HTML unless the client prefers PEP 691 JSON."""
    offered = ["text/html", SIMPLE_HTML, SIMPLE_JSON]
    return request.accept_mimetypes.best_match(offered, default="text/html") or "text/html"


def _upload_time(f: _File) -> str:
    return datetime.fromtimestamp(f.uploaded_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _simple_file(base: str, release: _Release, f: _File) -> dict[str, object]:
    entry: dict[str, object] = {
        "filename": f.filename,
        "url": f"{base}/files/{f.filename}",
        "hashes": {"sha256": f.sha256},
        "requires-python": release.requires_python,
        "size": f.size,
        "upload-time": _upload_time(f),
        "yanked": False,
    }
    metadata = {"sha256": f.metadata_sha256} if f.metadata_sha256 else False
    entry["core-metadata"] = metadata
    entry["data-dist-info-metadata"] = metadata
    return entry


def _simple_link(release: _Release, f: _File) -> str:
    attributes = ""
    if release.requires_python:
        attributes += f' data-requires-python="{html.escape(release.requires_python)}"'
    if f.metadata_sha256:
        attributes += (
            f' data-dist-info-metadata="sha256={f.metadata_sha256}"'
            f' data-core-metadata="sha256={f.metadata_sha256}"'
        )
    return (
        f'    <a href="../../files/{html.escape(f.filename)}#sha256={f.sha256}"{attributes}>'
        f"{html.escape(f.filename)}</a><br />\n"
    )


def _html_page(title: str, links: str, kind: str) -> Response:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
        f'    <meta name="pypi:repository-version" content="{SIMPLE_API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{links}  </body>\n</html>\n"
    )
    content_type = f"{kind}; charset=utf-8" if kind == "text/html" else kind
    return Response(page, content_type=content_type)


def _json_file(base: str, release: _Release, f: _File) -> dict[str, object]:
    uploaded = _upload_time(f)
    return {
        "filename": f.filename,
        "packagetype": f.packagetype,
        "python_version": f.python_version,
        "requires_python": release.requires_python,
        "size": f.size,
        "digests": {"md5": f.md5, "sha256": f.sha256, "blake2b_256": f.blake2_256},
        "md5_digest": f.md5,
        "url": f"{base}/files/{f.filename}",
        "upload_time": uploaded[:19],
        "upload_time_iso_8601": uploaded,
        "yanked": False,
        "yanked_reason": None,
        "comment_text": "",
    }
