"""What the warehouse holds, read back: the simple API (HTML and PEP 691 JSON), the files
themselves, the JSON API, and each file's PEP 740 provenance (the integrity API)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import json_response
from py_release.sandbox.warehouse.advisories import KnownProject
from py_release.sandbox.warehouse.attestations import PROVENANCE_CONTENT_TYPE
from py_release.sandbox.warehouse.state import Release, ReleaseFile, WarehouseState

SIMPLE_API_VERSION = "1.1"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"


def simple_index(state: WarehouseState, request: Request) -> Response:
    """``GET /simple/``: every project, as HTML or PEP 691 JSON."""
    kind = _simple_kind(request)
    with state.lock:
        names = sorted((p.normalized, p.name) for p in state.projects.values())
    if kind == SIMPLE_JSON:
        return json_response(
            {
                "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": state.serial},
                "projects": [{"name": name} for _, name in names],
            },
            content_type=SIMPLE_JSON,
        )
    links = "".join(
        f'    <a href="/simple/{normalized}/">{html.escape(name)}</a>\n'
        for normalized, name in names
    )
    return _html_page("Simple index", links, kind)


def simple_project(state: WarehouseState, request: Request, project: str) -> Response:
    """``GET /simple/<project>/``: the project's files (a redirect to its normalised name)."""
    normalized = canonicalize_name(project)
    with state.lock:
        found = state.projects.get(normalized)
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
    base = request.host_url.rstrip("/")
    if kind == SIMPLE_JSON:
        return json_response(
            {
                "meta": {"api-version": SIMPLE_API_VERSION, "_last-serial": state.serial},
                "name": normalized,
                "versions": sorted({f.version for _, f in files}, key=Version),
                "files": [_simple_file(base, normalized, r, f) for r, f in files],
            },
            content_type=SIMPLE_JSON,
        )
    links = "".join(_simple_link(base, normalized, r, f) for r, f in files)
    return _html_page(f"Links for {normalized}", links, kind)


def served_file(state: WarehouseState, request: Request, filename: str) -> Response:
    """``GET /files/<filename>``: a file, or a wheel's ``.metadata`` beside it."""
    with state.lock:
        held = state.file_named_or_hashed(filename.removesuffix(".metadata"), "")
    if held is None:
        return Response("404 Not Found", status=404, content_type="text/plain")
    if filename.endswith(".metadata"):
        if held.metadata_sha256 is None:
            return Response("404 Not Found", status=404, content_type="text/plain")
        return Response((state.root / "files" / filename).read_bytes(), content_type="text/plain")
    return Response(
        (state.root / "files" / filename).read_bytes(),
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def provenance(
    state: WarehouseState, request: Request, project: str, version: str, filename: str
) -> Response:
    """``GET /integrity/<project>/<version>/<filename>/provenance``: the file's Provenance
    object (warehouse's ``provenance_for_file``), or 404."""
    with state.lock:
        held = _file_of_release(state, project, version, filename)
    if held is None:
        return json_response({"message": "Not Found"}, status=404)
    if held.provenance is None:
        return json_response({"message": f"No provenance available for {filename}"}, status=404)
    offer = request.accept_mimetypes.best_match(
        ["application/json", PROVENANCE_CONTENT_TYPE], default="application/json"
    )
    return Response(held.provenance.model_dump_json(), content_type=offer)


def _file_of_release(
    state: WarehouseState, project: str, version: str, filename: str
) -> ReleaseFile | None:
    found = state.projects.get(canonicalize_name(project))
    try:
        release = found.releases.get(canonicalize_version(Version(version))) if found else None
    except InvalidVersion:
        return None
    files = release.files if release else []
    return next((f for f in files if f.filename == filename), None)


def json_project(state: WarehouseState, request: Request, project: str) -> Response:
    """``GET /pypi/<project>/json``: the JSON API for the latest final release."""
    return _json_api(state, request, project, None)


def json_release(state: WarehouseState, request: Request, project: str, version: str) -> Response:
    """``GET /pypi/<project>/<version>/json``: the JSON API for one release."""
    return _json_api(state, request, project, version)


def _json_api(
    state: WarehouseState, request: Request, project: str, version: str | None
) -> Response:
    not_found = json_response({"message": "Not Found"}, status=404)
    with state.lock:
        found = state.projects.get(canonicalize_name(project))
        if found is None or not found.releases:
            known = state.advisories.projects.get(canonicalize_name(project))
            return _known_project_json(state, known, version) if known else not_found
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
            "last_serial": state.serial,
            "releases": {
                r.version: [_json_file(base, r, f) for f in r.files]
                for r in sorted(releases.values(), key=lambda r: Version(r.version))
            },
            "urls": [_json_file(base, release, f) for f in release.files],
            "vulnerabilities": [
                a.as_json() for a in state.advisories.affecting(name, release.version)
            ],
        }
    )


def _known_project_json(
    state: WarehouseState, known: KnownProject, version: str | None
) -> Response:
    """The JSON API of a project PyPI has and the stand-in holds no files of: its versions
    (each with one file entry, which the stand-in cannot serve) and their advisories."""
    versions = sorted(known.versions, key=Version)
    if version is None:
        final = [v for v in versions if not Version(v).is_prerelease]
        chosen = (final or versions)[-1]
    else:
        try:
            wanted = Version(version)
        except InvalidVersion:
            return json_response({"message": "Not Found"}, status=404)
        matches = [v for v in versions if Version(v) == wanted]
        if not matches:
            return json_response({"message": "Not Found"}, status=404)
        chosen = matches[0]

    def files(v: str) -> list[dict[str, object]]:
        stem = f"{canonicalize_name(known.name).replace('-', '_')}-{v}"
        return [{"filename": f"{stem}.tar.gz", "packagetype": "sdist",
                 "yanked": v in known.yanked, "yanked_reason": None}]  # fmt: skip

    return json_response(
        {
            "info": {"name": known.name, "version": chosen, "yanked": chosen in known.yanked},
            "last_serial": state.serial,
            "releases": {v: files(v) for v in versions},
            "urls": files(chosen),
            "vulnerabilities": [
                a.as_json() for a in state.advisories.affecting(known.name, chosen)
            ],
        }
    )


# -- read API helpers --------------------------------------------------------------------------


def _simple_kind(request: Request) -> str:
    """The simple API's content negotiation: HTML unless the client prefers PEP 691 JSON."""
    offered = ["text/html", SIMPLE_HTML, SIMPLE_JSON]
    return request.accept_mimetypes.best_match(offered, default="text/html") or "text/html"


def _upload_time(f: ReleaseFile) -> str:
    return datetime.fromtimestamp(f.uploaded_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _simple_file(base: str, project: str, release: Release, f: ReleaseFile) -> dict[str, object]:
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
    entry["provenance"] = _provenance_url(base, project, release, f) if f.provenance else None
    return entry


def _provenance_url(base: str, project: str, release: Release, f: ReleaseFile) -> str:
    """Where the file's PEP 740 provenance is served (warehouse's integrity API)."""
    return f"{base}/integrity/{project}/{release.version}/{f.filename}/provenance"


def _simple_link(base: str, project: str, release: Release, f: ReleaseFile) -> str:
    attributes = ""
    if release.requires_python:
        attributes += f' data-requires-python="{html.escape(release.requires_python)}"'
    if f.metadata_sha256:
        attributes += (
            f' data-dist-info-metadata="sha256={f.metadata_sha256}"'
            f' data-core-metadata="sha256={f.metadata_sha256}"'
        )
    if f.provenance:
        url = _provenance_url(base, project, release, f)
        attributes += f' data-provenance="{html.escape(url)}"'
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


def _json_file(base: str, release: Release, f: ReleaseFile) -> dict[str, object]:
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
