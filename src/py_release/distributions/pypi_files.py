"""PyPI's rules for the uploaded file itself: its name, its archive, and what it must hold.

Written from warehouse's ``forklift/legacy.py`` (``_validate_filename``, ``_is_valid_dist_file``
and the sdist and wheel checks of ``file_upload``) and ``utils/wheel.py``; each message is the
one PyPI answers with. Where PyPI stops at the first broken archive rule, so do we; the name,
licence-file and wheel rules are independent, and each one broken is listed.
"""

from __future__ import annotations

import configparser
import csv
import os
import posixpath
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator

from packaging.metadata import Metadata
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from py_release.distributions.contents import ARCHIVE_ERRORS, members
from py_release.distributions.files import DistFile
from py_release.distributions.platform_tags import platform_hint, pypi_accepts_platform
from py_release.distributions.zip_records import zip_layout_refusal
from py_release.errors import Problem

_MIB = 1024 * 1024
COMPRESSION_RATIO_MIN_SIZE = 64 * _MIB
COMPRESSION_RATIO_THRESHOLD = 50
_SCAN_SUFFIXES = (".py", ".pye")
_SCAN_MAX_SIZE = 5 * _MIB
# PyPI's acceptable-use policy refuses encrypted code; these are the markers its scanner
# (YARA rules in warehouse/utils/scanner_rules) looks for. Two fixed-string rules do not need a
# YARA engine: any one PyArmor marker, or both SourceDefender markers.
_PYARMOR = (
    b"__pyarmor__(__name__, __file__,",
    b"__pyarmor_enter__",
    b"__pyarmor_exit__",
    b"__pyarmor_assert__",
    b"__pyarmor_bcc__",
)
_SOURCEDEFENDER = (b"---BEGIN PYE FILE---", b"---END PYE FILE---")
_POLICY = "https://pypi.org/policy/acceptable-use-policy/"
_REBUILD = "rebuild the distribution with a current build backend and do not edit it after"
_NAME_HINT = (
    "let your build backend name the file (a current one follows PEP 625/427); do not rename it"
)
_ARCHIVES = "https://docs.pypi.org/archives"
_MAX_NAME_BYTES = 255 - len(".metadata")  # PyPI stores METADATA beside the file


def _pypi(file: str, message: str, hint: str = _REBUILD) -> Problem:
    return Problem(file, message, hint, by="PyPI")


def expected_sdist_name(name: str, version: str) -> str:
    """PEP 625: ``{normalized_name}-{version}.tar.gz`` with ``-`` written as ``_``."""
    return f"{canonicalize_name(name).replace('-', '_')}-{Version(version)}.tar.gz"


def name_problems(file: str) -> list[Problem]:
    """The characters PyPI takes in a file name."""
    if any(ord(char) < 32 or ord(char) == 127 for char in file):
        return [
            _pypi(
                file,
                "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL "
                "character (ordinal 127) in the name.",
                _NAME_HINT,
            )
        ]
    if "\\" in file:  # a '/' cannot be in a file's name on disk; a '\' can, outside Windows
        return [_pypi(file, "Cannot upload a file with '/' or '\\' in the name.", _NAME_HINT)]
    if len(file.encode("utf-8")) > _MAX_NAME_BYTES and file.endswith(".whl"):
        return [_pypi(file, f"Filename is too long: '{file}'", "shorten the project name")]
    return []


def _common_top(names: list[str]) -> str:
    """The one folder every member is in, or "" (PyPI fails on absolute and relative paths
    mixed; either way the archive has no single top folder)."""
    try:
        return os.path.commonpath(names) if names else ""
    except ValueError:
        return ""


def _obfuscated(members: Iterator[tuple[str, bytes]]) -> str | None:
    for _name, data in members:
        if any(marker in data for marker in _PYARMOR):
            return f"PyArmor-encrypted content is not allowed. See {_POLICY} for more information."
        if all(marker in data for marker in _SOURCEDEFENDER):
            return (
                "SourceDefender-encrypted content is not allowed. "
                f"See {_POLICY} for more information."
            )
    return None


def _zip_scanned(archive: zipfile.ZipFile) -> Iterator[tuple[str, bytes]]:
    for info in archive.infolist():
        if info.filename.lower().endswith(_SCAN_SUFFIXES) and info.file_size <= _SCAN_MAX_SIZE:
            yield info.filename, archive.read(info)


def _tar_scanned(archive: tarfile.TarFile) -> Iterator[tuple[str, bytes]]:
    for member in archive.getmembers():
        scanned = member.isfile() and member.name.lower().endswith(_SCAN_SUFFIXES)
        if scanned and member.size <= _SCAN_MAX_SIZE and (stream := archive.extractfile(member)):
            yield member.name, stream.read()


def _zip_refusal(dist: DistFile, archive: zipfile.ZipFile) -> str | None:
    infos = archive.infolist()
    unpacked = sum(info.file_size for info in infos)
    if (
        unpacked > COMPRESSION_RATIO_MIN_SIZE
        and unpacked / max(dist.size, 1) > COMPRESSION_RATIO_THRESHOLD
    ):
        return f"File exceeds compression ratio of {COMPRESSION_RATIO_THRESHOLD}"
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos):
        return "File does not use a supported compression type"
    names = archive.namelist()
    if dist.name.endswith(".zip"):
        top = _common_top(names)
        if top in (".", "/", ""):
            return "Incorrect number of top-level directories in sdist"
        if posixpath.join(top, "PKG-INFO") not in names:
            return f"PKG-INFO not found at {posixpath.join(top, 'PKG-INFO')}"
    else:
        parts = dist.name.split("-", 2)
        if len(parts) < 3:
            return "Unable to parse name and version from wheel filename"
        wheel_file = f"{parts[0]}-{parts[1]}.dist-info/WHEEL"
        if wheel_file not in names:
            return f"WHEEL not found at {wheel_file}"
    obfuscated = _obfuscated(_zip_scanned(archive))
    if obfuscated:
        return obfuscated
    layout = zip_layout_refusal(archive)
    if layout:
        return f"ZIP archive not accepted: {layout}. See {_ARCHIVES} for more information"
    return None


def _tar_refusal(archive: tarfile.TarFile) -> str | None:
    members = archive.getmembers()
    if any(member.issparse() for member in members):
        return (
            "tar archive not accepted: Sparse members are not allowed. "
            f"See {_ARCHIVES} for more information"
        )
    top = _common_top(archive.getnames())
    if top in (".", "/", ""):
        return "Incorrect number of top-level directories in sdist"
    if posixpath.join(top, "PKG-INFO") not in {member.name for member in members}:
        return f"PKG-INFO not found at {posixpath.join(top, 'PKG-INFO')}"
    return _obfuscated(_tar_scanned(archive))


def archive_problems(dist: DistFile) -> list[Problem]:
    """PyPI's test that the file is the archive its name says (the first reason only, as
    PyPI gives it)."""
    path = dist.path
    is_zip = zipfile.is_zipfile(path)
    is_tar = _is_tar(path)
    reason: str | None
    if is_zip and is_tar:
        reason = "File is both a zip and a tar file"
    elif dist.name.endswith((".zip", ".whl")):
        if not is_zip:
            reason = "File is not a zipfile"
        else:
            try:
                with zipfile.ZipFile(path) as archive:
                    reason = _zip_refusal(dist, archive)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                reason = f"the zip cannot be read ({exc})"
    elif not is_tar:
        reason = "File is not a tarfile"
    else:
        try:
            with tarfile.open(path, mode="r:gz") as archive:
                reason = _tar_refusal(archive)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            reason = f"the .tar.gz cannot be read ({exc})"
    return [_pypi(dist.name, f"Invalid distribution file. {reason}")] if reason else []


# Far above any real METADATA or PKG-INFO (a long README is a few hundred KiB): a larger one
# is a decompression bomb that twine, and anything else reading metadata, would read whole.
METADATA_LIMIT = 16 * _MIB


def oversized_metadata(dist: DistFile) -> list[Problem]:
    """A refusal when the file's METADATA or PKG-INFO unpacks to more than METADATA_LIMIT,
    decided from the archive's headers alone."""
    try:
        sizes = [(member.name, member.size) for member in members(dist)]
    except ARCHIVE_ERRORS:
        return []  # archive_problems says why
    for name, size in sizes:
        is_metadata = name.endswith(".dist-info/METADATA") or (
            name.count("/") == 1 and (name.endswith("/PKG-INFO"))
        )
        if is_metadata and size > METADATA_LIMIT:
            return [
                Problem(
                    dist.name,
                    f"{name} unpacks to {size:,} bytes, over {METADATA_LIMIT:,}: not read",
                    "a metadata file this large is not a real one: rebuild the distribution "
                    "(a README of this size does not belong in the long description either)",
                )
            ]
    return []


def _is_tar(path: os.PathLike[str]) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError, zlib.error, tarfile.TarError):
        return False


def sdist_name_problems(dist: DistFile, metadata: Metadata) -> list[Problem]:
    file = dist.name
    try:
        name_in_file, _ = parse_sdist_filename(file)
    except (InvalidSdistFilename, InvalidVersion):
        return [_pypi(file, f"Invalid source distribution filename: {file}", _NAME_HINT)]
    if metadata.version.is_postrelease and name_in_file != canonicalize_name(metadata.name):
        # A post-release version may hold a hyphen ("1.0-1"): then the name ends earlier.
        stem = file.removesuffix(".tar.gz").removesuffix(".zip")
        name_in_file = canonicalize_name(stem.rpartition("-")[0].rpartition("-")[0])
    normalized = canonicalize_name(metadata.name).replace("-", "_")
    if canonicalize_name(name_in_file) != canonicalize_name(metadata.name):
        return [
            _pypi(file, f"Start filename for {metadata.name!r} with {normalized!r}.", _NAME_HINT)
        ]
    expected = f"{normalized}-{metadata.version}.tar.gz"
    if file != expected:
        hint = _NAME_HINT
        if not file.endswith(".tar.gz"):
            hint = "build the sdist as .tar.gz (PEP 625; python -m build --sdist does)"
        return [_pypi(file, f"Filename {file!r} is invalid, should be {expected!r}.", hint)]
    return []


def license_file_problems(dist: DistFile, license_files: list[str]) -> list[Problem]:
    """Each License-File the upload names must be in the file where PyPI looks for it."""
    if not license_files:
        return []
    file = dist.name
    try:
        if dist.kind == "wheel":
            name, version, _ = file.split("-", 2)
            with zipfile.ZipFile(dist.path) as archive:
                members = set(archive.namelist())
            places = {lf: f"{name}-{version}.dist-info/licenses/{lf}" for lf in license_files}
        else:
            with tarfile.open(dist.path, mode="r:gz") as archive:
                names = archive.getnames()
            members = set(names)
            top = _common_top(names)
            places = {lf: posixpath.join(top, lf) for lf in license_files}
    except (ValueError, OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error):
        return []  # the archive rules report a file that cannot be read
    return [
        _pypi(
            file,
            f"License-File {license_file} does not exist in distribution file {file} at {place}",
            f"put {license_file} in the project (license-files in [project] lists paths relative "
            "to pyproject.toml) or drop it from license-files; a backend that writes License-File "
            "also copies the file, so an edited or old backend may be the cause",
        )
        for license_file, place in places.items()
        if place not in members
    ]


def wheel_name_problems(dist: DistFile, metadata: Metadata) -> list[Problem]:
    file = dist.name
    try:
        name, version, _, tags = parse_wheel_filename(file)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        return [_pypi(file, str(exc), _NAME_HINT)]
    problems = [
        _pypi(
            file,
            f"Binary wheel '{file}' has an unsupported platform tag '{platform}'.",
            platform_hint(platform),
        )
        for platform in sorted({tag.platform for tag in tags})
        if not pypi_accepts_platform(platform)
    ]
    canonical = canonicalize_name(metadata.name)
    normalized = canonical.replace("-", "_")
    if canonical != name:
        problems.append(
            _pypi(file, f"Start filename for {metadata.name!r} with {normalized!r}.", _NAME_HINT)
        )
    name_in_file = file.split("-", 1)[0]
    if name_in_file != normalized:
        problems.append(
            _pypi(
                file,
                f"Filename {file!r} should contain the normalized project name {normalized!r}, "
                f"not {name_in_file!r}.",
                _NAME_HINT,
            )
        )
    if metadata.version != version:
        problems.append(
            _pypi(
                file,
                f"Version in filename should be {str(metadata.version)!r} not {str(version)!r}.",
                _NAME_HINT,
            )
        )
    return problems


def wheel_content_problems(dist: DistFile) -> list[Problem]:
    """RECORD, entry_points.txt and METADATA where the file name says they are."""
    file = dist.name
    parts = file.split("-", 2)
    if len(parts) < 3:
        return []  # the archive rules report an unparseable name
    dist_info = f"{parts[0]}-{parts[1]}.dist-info"
    try:
        with zipfile.ZipFile(dist.path) as archive:
            names = set(archive.namelist())
            problems = []
            if not _record_readable(archive, f"{dist_info}/RECORD"):
                problems.append(
                    _pypi(
                        file,
                        f"Wheel '{file}' does not contain the required RECORD file: "
                        f"{dist_info}/RECORD",
                    )
                )
            entry_points = f"{dist_info}/entry_points.txt"
            if entry_points in names and not _entry_points_valid(archive.read(entry_points)):
                problems.append(
                    _pypi(
                        file,
                        f"Wheel '{file}' has invalid entry points defined in the "
                        "entry_points.txt file",
                        "fix [project.scripts] / [project.gui-scripts]: names may hold only "
                        "letters, digits, '.', '_' and '-'",
                    )
                )
            if f"{dist_info}/METADATA" not in names:
                problems.append(
                    _pypi(
                        file,
                        f"Wheel '{file}' does not contain the required METADATA file: "
                        f"{dist_info}/METADATA",
                    )
                )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return []  # the archive rules report it
    return problems


def _record_readable(archive: zipfile.ZipFile, record: str) -> bool:
    try:
        list(csv.reader(archive.read(record).decode("utf-8").splitlines()))
    except (KeyError, UnicodeError, csv.Error):
        return False
    return True


_ENTRY_POINT_NAME = re.compile(r"[\w.-]+")


class _CaseKeepingParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr


def _entry_points_valid(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
        parser = _CaseKeepingParser(delimiters=("=",), interpolation=None)
        parser.read_string(text)
    except (UnicodeError, configparser.Error):
        return False
    return all(
        _ENTRY_POINT_NAME.fullmatch(name)
        for section in ("console_scripts", "gui_scripts")
        if parser.has_section(section)
        for name in parser[section]
    )


def file_problems(
    dist: DistFile, metadata: Metadata | None, license_files: list[str], archive: list[Problem]
) -> list[Problem]:
    """Every PyPI rule about the file; the rules that need the metadata only when it parsed.
    ``archive`` is what ``archive_problems`` found: a file that is not the archive it claims to
    be gets that reason and the name rules alone."""
    problems = name_problems(dist.name) + archive
    if dist.kind == "wheel" and not archive:
        problems += wheel_content_problems(dist)
    if metadata is None:
        return problems
    if dist.kind == "sdist":
        problems += sdist_name_problems(dist, metadata)
        if dist.name.endswith(".tar.gz") and not archive:
            problems += license_file_problems(dist, license_files)
    else:
        problems += wheel_name_problems(dist, metadata)
        if not archive:
            problems += license_file_problems(dist, license_files)
    return problems
