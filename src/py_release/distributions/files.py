"""Finding the distributions in a folder, and what we know of each file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

DistKind = Literal["sdist", "wheel"]

# Files that travel beside distributions and are not uploaded as distributions themselves.
COMPANION_SUFFIXES = (".attestation", ".sig", ".asc", ".sigstore.json", ".sigstore")
# Formats of distributions PyPI no longer takes (PEP 527, PEP 715), or never took: in
# packages-dir they are refused by name, not ignored, so a release never drops them silently.
UNSUPPORTED_SUFFIXES = (
    ".egg", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.Z", ".tgz", ".tbz", ".tar", ".exe", ".msi",
    ".rpm", ".deb", ".dmg", ".whl.zip", ".conda",
)  # fmt: skip
_CHUNK = 1024 * 1024


def dist_kind(name: str) -> DistKind | None:
    if name.endswith(".whl"):
        return "wheel"
    if name.endswith((".tar.gz", ".zip")):
        return "sdist"
    return None


def version_in_filename(filename: str) -> Version | None:
    """The version a wheel or sdist file name carries, or None when the name does not parse."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


@dataclass(frozen=True)
class FileHashes:
    sha256: str
    md5: str
    blake2_256: str


@dataclass(frozen=True)
class DistFile:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind(self) -> DistKind:
        kind = dist_kind(self.name)
        assert kind is not None, self.name
        return kind

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @cached_property
    def hashes(self) -> FileHashes:
        """The three digests PyPI shows, computed in one streaming pass."""
        sha256 = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        blake2 = hashlib.blake2b(digest_size=32)
        with self.path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                sha256.update(chunk)
                md5.update(chunk)
                blake2.update(chunk)
        return FileHashes(sha256.hexdigest(), md5.hexdigest(), blake2.hexdigest())


@dataclass(frozen=True)
class FolderContents:
    dists: tuple[DistFile, ...]
    # Entries that look like distributions but are not regular files (download-artifact can
    # leave dist/x.whl/x.whl behind).
    not_files: tuple[Path, ...]
    # Distributions in a format PyPI refuses (.egg, .tar.bz2, ...).
    unsupported: tuple[Path, ...]
    ignored: tuple[Path, ...]


def scan_packages_dir(folder: Path) -> FolderContents:
    """Sort the top level of ``folder`` into distributions, impostors, refused formats and
    everything else."""
    dists: list[DistFile] = []
    not_files: list[Path] = []
    unsupported: list[Path] = []
    ignored: list[Path] = []
    if not folder.is_dir():
        return FolderContents((), (), (), ())
    for entry in sorted(folder.iterdir()):
        if entry.name.endswith(COMPANION_SUFFIXES) or entry.name.startswith("."):
            continue
        if entry.name.lower().endswith(tuple(s.lower() for s in UNSUPPORTED_SUFFIXES)):
            unsupported.append(entry)
        elif dist_kind(entry.name) is None:
            ignored.append(entry)
        elif entry.is_file() and not entry.is_symlink():
            dists.append(DistFile(entry))
        else:
            not_files.append(entry)
    return FolderContents(tuple(dists), tuple(not_files), tuple(unsupported), tuple(ignored))
