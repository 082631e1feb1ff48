"""The legacy upload API (``/legacy/``): the request's action, form and token, then the
file and its attestations, in warehouse's order; a file that passes every check is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
from pathlib import Path

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, canonicalize_version
from pypi_attestations import Provenance
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Request, Response

from py_release.sandbox._http import reason_response
from py_release.sandbox.warehouse.attestations import checked_provenance
from py_release.sandbox.warehouse.distribution import (
    check_distribution,
    receive_file,
    validate_filename,
)
from py_release.sandbox.warehouse.metadata import parse_metadata, sanitized, validate_form
from py_release.sandbox.warehouse.refusal import UploadRefused, bad_request
from py_release.sandbox.warehouse.state import (
    IndexToken,
    Project,
    Release,
    ReleaseFile,
    WarehouseState,
)

INVALID_AUTH = (
    "Invalid or non-existent authentication information. "
    "See https://pypi.org/help/#invalid-auth for more information."
)
NON_USER_CANNOT_CREATE = (
    "Non-user identities cannot create new projects. This was probably caused by "
    "successfully using a pending publisher but specifying the project name incorrectly "
    "(either in the publisher or in your project's metadata). Please ensure that both "
    "match. See: https://docs.pypi.org/trusted-publishers/troubleshooting/"
)
# Without a Sigstore trusted root the stand-in cannot verify attestations, so it takes none.
ATTESTATIONS_REFUSED = (
    "Invalid attestations supplied during upload: this stand-in does not verify attestations yet"
)
RELEASE_OPEN_DAYS = 14  # new files are refused for releases older than this


def legacy_no_slash(state: WarehouseState, request: Request) -> Response:
    """``POST /legacy``: warehouse's 308 to the upload URL with its trailing slash."""
    return reason_response(
        request, 308,
        "An upload was attempted to /legacy but the expected upload URL is /legacy/ "
        "(with a trailing slash)",
        Location="/legacy/",
    )  # fmt: skip


def legacy_upload(state: WarehouseState, request: Request) -> Response:
    """``POST /legacy/``: keep the file if it passes every check, else refuse it with
    warehouse's status and message; either way the outcome is recorded in ``uploads``."""
    content = request.files.get("content")
    filename = (content.filename or "") if content is not None else ""
    try:
        _accept_upload(state, request)
    except UploadRefused as refused:
        with state.lock:
            state.uploads.append((filename, refused.status))
        return reason_response(request, refused.status, refused.message)
    with state.lock:
        state.uploads.append((filename, 200))
    return Response(b"", status=200, content_type="text/plain")


def _accept_upload(state: WarehouseState, request: Request) -> None:
    action = request.values.get(":action")
    if action in ("submit", "submit_pkg_info"):
        raise UploadRefused(
            410,
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        )
    if action == "doc_upload":
        raise UploadRefused(
            410,
            "Uploading documentation is no longer supported, we recommend using "
            "https://readthedocs.org/.",
        )
    if action != "file_upload":
        # warehouse serves its upload help page here; refusing is stricter and clearer.
        raise bad_request("Invalid or missing ':action': this endpoint only takes file_upload.")
    form = sanitized(request.form)
    tuples = sorted(set(request.files) - {"content", "gpg_signature"})
    if tuples:
        raise bad_request(f"{tuples[0]}: Should not be a tuple.")
    token = _token_for(state, request)
    if token is None:
        raise UploadRefused(403, INVALID_AUTH)
    if form.get("protocol_version", "1") != "1":
        raise bad_request("Unknown protocol version.")
    filetype = validate_form(form)
    meta = parse_metadata(form)
    content = request.files.get("content")
    if content is None:
        raise bad_request("Upload payload does not have a file.")
    with state.lock:
        _store_upload(state, form, filetype, meta, content, token)


def _token_for(state: WarehouseState, request: Request) -> IndexToken | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        authorization = request.authorization
        if authorization is None or authorization.username != "__token__":
            return None
        value = authorization.password or ""
    elif scheme.lower() not in ("token", "bearer"):
        return None
    with state.lock:
        for known, token in state.tokens.items():
            if hmac.compare_digest(known.encode(), value.strip().encode()):
                return token
    return None


def _store_upload(
    state: WarehouseState,
    form: MultiDict[str, str],
    filetype: str,
    meta: Metadata,
    content: FileStorage,
    token: IndexToken,
) -> None:
    normalized = canonicalize_name(form["name"])
    project = state.projects.get(normalized)
    if project is None and normalized not in token.projects:
        raise bad_request(NON_USER_CANNOT_CREATE)
    shown = project.name if project else meta.name
    if normalized not in token.projects:
        raise UploadRefused(
            403, f"Invalid API Token: OIDC scoped token is not valid for project '{shown}'"
        )
    now = state.now()
    if now < token.not_before or now >= token.expires_at:
        raise UploadRefused(403, "Invalid API Token: token is expired")
    filename = content.filename or ""
    validate_filename(filename, filetype)
    # A part without Content-Type is text/plain to warehouse's form parser (cgi).
    if (content.content_type or "text/plain").startswith("image/"):
        raise bad_request("Invalid distribution file.")
    used = sum(f.size for f in project.files()) if project else 0
    incoming = state.root / "incoming" / secrets.token_hex(8)
    try:
        hashes, size = receive_file(content.stream, incoming, shown, used)
        _check_and_keep(
            state, form, filetype, meta, filename, incoming, hashes, size, project, token
        )
    finally:
        incoming.unlink(missing_ok=True)


def _check_and_keep(
    state: WarehouseState,
    form: MultiDict[str, str],
    filetype: str,
    meta: Metadata,
    filename: str,
    path: Path,
    hashes: dict[str, str],
    size: int,
    project: Project | None,
    token: IndexToken,
) -> None:
    for name, value in hashes.items():
        given = form.get(f"{name}_digest")
        if given and not hmac.compare_digest(given.lower(), value):
            raise bad_request(
                "The digest supplied does not match a digest calculated from the uploaded file."
            )
    existing = state.file_named_or_hashed(filename, hashes["blake2_256"])
    if existing is not None:
        if (existing.filename, existing.sha256, existing.blake2_256) == (
            filename, hashes["sha256"], hashes["blake2_256"],
        ):  # fmt: skip
            return  # the very same file again: warehouse answers 200 and changes nothing
        raise bad_request(
            f"File already exists ({filename!r}, with blake2_256 hash "
            f"{hashes['blake2_256']!r}). See https://pypi.org/help/#file-name-reuse "
            "for more information."
        )
    canonical = canonicalize_version(meta.version)
    release = project.releases.get(canonical) if project else None
    if release and state.clock() - release.created_at > RELEASE_OPEN_DAYS * 86_400:
        raise bad_request(
            f"Uploading new files to releases older than {RELEASE_OPEN_DAYS} days is not allowed."
        )
    if filetype == "sdist" and release and any(f.packagetype == "sdist" for f in release.files):
        raise bad_request("Only one sdist may be uploaded per release.")
    normalized = canonicalize_name(form["name"])
    shown = project.name if project else meta.name
    metadata_file = check_distribution(path, filename, filetype, meta, normalized, shown)
    provenance = None
    if "attestations" in form:
        if state.trusted_root is None:
            raise bad_request(ATTESTATIONS_REFUSED)
        provenance = checked_provenance(
            form["attestations"],
            publisher=token.publisher,
            filename=filename,
            sha256=hashes["sha256"],
            trusted_root=state.trusted_root,
        )
    _keep(state, path, filename, filetype, form, meta, hashes, size, metadata_file, provenance)


def _keep(
    state: WarehouseState,
    path: Path,
    filename: str,
    filetype: str,
    form: MultiDict[str, str],
    meta: Metadata,
    hashes: dict[str, str],
    size: int,
    metadata_file: bytes | None,
    provenance: Provenance | None,
) -> None:
    normalized = canonicalize_name(meta.name)
    project = state.projects.setdefault(normalized, Project(meta.name))
    project.name = meta.name  # warehouse follows the latest upload's spelling
    canonical = canonicalize_version(meta.version)
    release = project.releases.setdefault(
        canonical,
        Release(
            str(meta.version),
            str(meta.requires_python) if meta.requires_python else None,
            meta.summary,
            state.clock(),
        ),
    )
    files = state.root / "files"
    shutil.copyfile(path, files / filename)
    metadata_sha256 = None
    if metadata_file is not None:
        (files / f"{filename}.metadata").write_bytes(metadata_file)
        metadata_sha256 = hashlib.sha256(metadata_file).hexdigest()
    release.files.append(
        ReleaseFile(
            filename=filename,
            version=str(meta.version),
            packagetype=filetype,
            python_version=form.get("pyversion") or "source",
            size=size,
            md5=hashes["md5"],
            sha256=hashes["sha256"],
            blake2_256=hashes["blake2_256"],
            uploaded_at=state.clock(),
            metadata_sha256=metadata_sha256,
            provenance=provenance,
        )
    )
    state.serial += 1
