"""Real wheels and sdists for the checks, made byte by byte with zipfile, tarfile and hashlib.

``make_wheel`` and ``make_sdist`` write a valid distribution of a small project by default; each
keyword argument breaks it in one way. The files are deterministic (fixed timestamps), so a test
can make the same artefact twice.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import warnings
import zipfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name

NAME = "py-release-sample"
VERSION = "1.0.0"
SUMMARY = "The sample project py-release releases in its tests."
BODY = "# py-release-sample\n\nA *small* project, with a [link](https://example.com/).\n"
WHEEL_TEXT = (
    "Wheel-Version: 1.0\nGenerator: tests.unit.artefacts\nRoot-Is-Purelib: true\n"
    "Tag: py3-none-any\n"
)
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_TAR_MTIME = 1_704_067_200  # 2024-01-01

LinkKind = Literal["symlink", "hardlink"]


def dist_stem(name: str, version: str) -> str:
    """``{normalized name with _}-{version}``: the stem of PEP 427/625 file names."""
    return f"{canonicalize_name(name).replace('-', '_')}-{version}"


def metadata_text(
    name: str = NAME,
    version: str = VERSION,
    *,
    metadata_version: str = "2.4",
    summary: str = SUMMARY,
    content_type: str | None = "text/markdown",
    extra: Sequence[tuple[str, str]] = (),
    drop: Collection[str] = (),
    body: str | None = BODY,
) -> str:
    """Core metadata in its email format. ``extra`` adds headers, ``drop`` removes them by name,
    ``body=None`` leaves out the description."""
    headers: list[tuple[str, str]] = [
        ("Metadata-Version", metadata_version),
        ("Name", name),
        ("Version", version),
        ("Summary", summary),
    ]
    if content_type is not None:
        headers.append(("Description-Content-Type", content_type))
    headers += extra
    lines = [f"{key}: {value}" for key, value in headers if key not in drop]
    text = "\n".join(lines) + "\n"
    if body is not None:
        text += "\n" + body
    return text


def record_digest(data: bytes) -> str:
    """A RECORD hash: ``sha256=`` and the urlsafe base64 digest without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _zip_write(
    archive: zipfile.ZipFile,
    member: str,
    data: bytes,
    *,
    compress_type: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
) -> None:
    info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    info.comment = comment
    with warnings.catch_warnings():
        # zipfile warns about a duplicate name; writing one is the point of some tests.
        warnings.simplefilter("ignore")
        archive.writestr(info, data)


def make_wheel(
    folder: Path,
    *,
    name: str = NAME,
    version: str = VERSION,
    metadata: str | None = None,
    filename: str | None = None,
    files: Mapping[str, bytes] | None = None,
    licenses: Mapping[str, bytes] | None = None,
    bad_hash_for: str | None = None,
    unrecorded: Mapping[str, bytes] | None = None,
    phantom_records: Sequence[str] = (),
    raw_members: Sequence[tuple[str, bytes]] = (),
    encoding: str = "utf-8",
    record: bool = True,
    compression: Mapping[str, int] | None = None,
    comments: Mapping[str, bytes] | None = None,
    around: tuple[bytes, bytes] = (b"", b""),
    streamed: bool = False,
) -> Path:
    """Write a wheel into ``folder`` and return its path.

    By default it is valid: METADATA, WHEEL and RECORD in one ``.dist-info`` and RECORD holding
    the right digest and size of every file. Knobs: ``metadata`` replaces METADATA;
    ``filename`` renames the file; ``licenses`` go to ``.dist-info/licenses/``; ``bad_hash_for``
    records a wrong digest for that member; ``unrecorded`` members are left out of RECORD;
    ``phantom_records`` are RECORD rows for members the wheel lacks; ``raw_members`` are
    written as they are, after everything else (unsafe paths, duplicates); ``encoding`` is
    that of METADATA; ``record=False`` leaves RECORD out; ``compression`` and ``comments``
    set a member's compression method and comment; ``around`` is (bytes before the zip, bytes
    after it); ``streamed`` writes to an unseekable stream, so every member gets a data
    descriptor.
    """
    stem = dist_stem(name, version)
    dist_info = f"{stem}.dist-info"
    module = canonicalize_name(name).replace("-", "_")
    payload: dict[str, bytes] = dict(
        files if files is not None else {f"{module}/__init__.py": b"def main() -> None: ...\n"}
    )
    for license_name, data in (licenses or {}).items():
        payload[f"{dist_info}/licenses/{license_name}"] = data
    payload[f"{dist_info}/METADATA"] = (metadata or metadata_text(name, version)).encode(encoding)
    payload[f"{dist_info}/WHEEL"] = WHEEL_TEXT.encode()
    rows: list[str] = []
    for member, data in payload.items():
        digest = record_digest(data + b"tampered" if member == bad_hash_for else data)
        rows.append(f"{member},{digest},{len(data)}")
    rows += [f"{member},{record_digest(b'phantom')},7" for member in phantom_records]
    rows.append(f"{dist_info}/RECORD,,")
    path = folder / (filename or f"{stem}-py3-none-any.whl")
    buffer = _Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in [*payload.items(), *(unrecorded or {}).items()]:
            _zip_write(
                archive,
                member,
                data,
                compress_type=(compression or {}).get(member, zipfile.ZIP_DEFLATED),
                comment=(comments or {}).get(member, b""),
            )
        if record:
            _zip_write(archive, f"{dist_info}/RECORD", ("\n".join(rows) + "\n").encode())
        for member, data in raw_members:
            _zip_write(archive, member, data)
    path.write_bytes(around[0] + buffer.getvalue() + around[1])
    return path


class _Unseekable(io.BytesIO):
    """A stream zipfile cannot seek back in: it then writes sizes after each member."""

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = 0) -> int:
        raise io.UnsupportedOperation("unseekable")


def _tar_file(archive: tarfile.TarFile, member: str, data: bytes) -> None:
    info = tarfile.TarInfo(member)
    info.size = len(data)
    info.mtime = _TAR_MTIME
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _tar_link(archive: tarfile.TarFile, member: str, target: str, kind: LinkKind) -> None:
    info = tarfile.TarInfo(member)
    info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
    info.linkname = target
    info.mtime = _TAR_MTIME
    info.mode = 0o777 if kind == "symlink" else 0o644
    archive.addfile(info)


def sdist_files(name: str = NAME, version: str = VERSION) -> dict[str, bytes]:
    """The files of the sample project's sdist besides PKG-INFO, relative to its top folder."""
    module = canonicalize_name(name).replace("-", "_")
    pyproject = (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\nreadme = "README.md"\n'
    )
    return {
        "pyproject.toml": pyproject.encode(),
        "README.md": BODY.encode(),
        f"src/{module}/__init__.py": b"def main() -> None: ...\n",
    }


def make_sdist(
    folder: Path,
    *,
    name: str = NAME,
    version: str = VERSION,
    metadata: str | None = None,
    filename: str | None = None,
    top: str | None = None,
    pkg_info: bool = True,
    files: Mapping[str, bytes] | None = None,
    links: Sequence[tuple[str, str, LinkKind]] = (),
    raw_members: Sequence[tuple[str, bytes]] = (),
    archive_format: Literal["tar.gz", "zip"] = "tar.gz",
    encoding: str = "utf-8",
    sparse: Sequence[str] = (),
) -> Path:
    """Write an sdist into ``folder`` and return its path.

    By default it is a valid PEP 625 ``.tar.gz`` with one top folder ``{name}-{version}/``
    holding PKG-INFO and pyproject.toml. Knobs: ``metadata`` replaces PKG-INFO, ``pkg_info``
    leaves it out, ``files`` replace the other files (relative to the top folder), ``links``
    are (member below the top folder, target, kind), ``raw_members`` are full member paths
    written as they are, ``archive_format="zip"`` makes a legacy ``.zip`` sdist, ``encoding``
    is that of PKG-INFO, ``sparse`` members (below the top folder) are GNU sparse files.
    """
    stem = dist_stem(name, version)
    top = top if top is not None else stem
    members: dict[str, bytes] = {}
    if pkg_info:
        text = metadata or metadata_text(name, version)
        members[f"{top}/PKG-INFO"] = text.encode(encoding)
    for relative, data in (files if files is not None else sdist_files(name, version)).items():
        members[f"{top}/{relative}"] = data
    path = folder / (filename or f"{stem}.{archive_format}")
    if archive_format == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in [*members.items(), *raw_members]:
                _zip_write(archive, member, data)
        return path
    tar_format = tarfile.GNU_FORMAT if sparse else tarfile.PAX_FORMAT
    with tarfile.open(path, "w:gz", format=tar_format) as archive:
        for member, data in members.items():
            _tar_file(archive, member, data)
        for member in sparse:
            info = tarfile.TarInfo(f"{top}/{member}")
            info.type = tarfile.GNUTYPE_SPARSE
            info.mtime = _TAR_MTIME
            archive.addfile(info)
        for member, target, kind in links:
            _tar_link(archive, f"{top}/{member}", target, kind)
        for member, data in raw_members:
            _tar_file(archive, member, data)
    return path


def make_pair(folder: Path, *, name: str = NAME, version: str = VERSION) -> tuple[Path, Path]:
    """A valid sdist and wheel of the same release."""
    return make_sdist(folder, name=name, version=version), make_wheel(
        folder, name=name, version=version
    )
