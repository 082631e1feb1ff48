"""The uploaded file itself: its name, its size and hashes as it arrives, and its archive
against the metadata, as warehouse checks them."""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
import zipfile
from pathlib import Path
from typing import IO, Protocol

from packaging.metadata import Metadata
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from py_release.sandbox.warehouse.refusal import bad_request

PEP_527 = "https://www.python.org/dev/peps/pep-0527"
MIB = 1024 * 1024
FILE_SIZE_LIMIT = 100 * MIB
PROJECT_SIZE_LIMIT = 10 * 1024 * MIB
EXTENSIONS = {"sdist": (".tar.gz", ".zip"), "bdist_wheel": (".whl",)}
_DIST_EXTENSION = re.compile(r".+?(\.(tar\.gz|zip|whl))$", re.IGNORECASE)


def validate_filename(filename: str, filetype: str) -> None:
    """The file's name alone: printable, no folders, a known extension for ``filetype``."""
    if any(ord(c) < 32 or ord(c) == 127 for c in filename):
        raise bad_request(
            "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
            "character (ordinal 127) in the name."
        )
    if "/" in filename or "\\" in filename:
        raise bad_request("Cannot upload a file with '/' or '\\' in the name.")
    match = _DIST_EXTENSION.match(filename)
    if match is None:
        raise bad_request(
            "Invalid file extension: Use .tar.gz, .whl or .zip extension. See "
            f"{PEP_527} and https://peps.python.org/pep-0715/ for more information"
        )
    if match.group(1) not in EXTENSIONS[filetype]:
        raise bad_request(
            f"Invalid file extension: Extension {match.group(1)} is invalid for filetype "
            f"{filetype}. See {PEP_527} for more information."
        )


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def receive_file(
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
                raise bad_request(
                    f"File too large. Limit for project {project!r} is "
                    f"{FILE_SIZE_LIMIT // MIB} MB. See https://docs.pypi.org/project-management/"
                    "storage-limits#requesting-a-file-size-limit-increase for more information."
                )
            if size + used > PROJECT_SIZE_LIMIT:
                raise bad_request(
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


def check_distribution(
    path: Path, filename: str, filetype: str, meta: Metadata, normalized: str, shown: str
) -> bytes | None:
    """The archive and its name against the metadata; returns a wheel's METADATA."""
    problem = _archive_problem(path, filename)
    if problem is not None:
        raise bad_request(f"Invalid distribution file. {problem}")
    underscored = normalized.replace("-", "_")
    if filetype == "sdist":
        _check_sdist_name(filename, meta, normalized, shown)
        return None
    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise bad_request(str(exc)) from None
    for tag in tags:
        if not _supported_platform(tag.platform):
            raise bad_request(
                f"Binary wheel '{filename}' has an unsupported platform tag '{tag.platform}'."
            )
    if canonicalize_name(meta.name) != name:
        raise bad_request(
            f"Start filename for {shown!r} with {canonicalize_name(meta.name).replace('-', '_')!r}."
        )
    given_name = filename.split("-", 1)[0]
    if given_name != underscored:
        raise bad_request(
            f"Filename {filename!r} should contain the normalized project name "
            f"{underscored!r}, not {given_name!r}."
        )
    if meta.version != version:
        raise bad_request(
            f"Version in filename should be {str(meta.version)!r} not {str(version)!r}."
        )
    stem = "-".join(filename.split("-", 2)[:2])
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for license_file in meta.license_files or []:
            member = f"{stem}.dist-info/licenses/{license_file}"
            if member not in names:
                raise bad_request(
                    f"License-File {license_file} does not exist in distribution file "
                    f"{filename} at {member}"
                )
        if f"{stem}.dist-info/RECORD" not in names:
            raise bad_request(
                f"Wheel '{filename}' does not contain the required RECORD file: "
                f"{stem}.dist-info/RECORD"
            )
        if f"{stem}.dist-info/METADATA" not in names:
            raise bad_request(
                f"Wheel '{filename}' does not contain the required METADATA file: "
                f"{stem}.dist-info/METADATA"
            )
        return archive.read(f"{stem}.dist-info/METADATA")


def _check_sdist_name(filename: str, meta: Metadata, normalized: str, shown: str) -> None:
    try:
        name_in_filename, _ = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        raise bad_request(f"Invalid source distribution filename: {filename}") from None
    if canonicalize_name(name_in_filename) != normalized:
        raise bad_request(f"Start filename for {shown!r} with {normalized.replace('-', '_')!r}.")
    expected = f"{normalized.replace('-', '_')}-{meta.version}.tar.gz"
    if filename != expected:
        raise bad_request(f"Filename {filename!r} is invalid, should be {expected!r}.")


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
