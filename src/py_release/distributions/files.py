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
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

DistKind = Literal["sdist", "wheel"]

# Files that travel beside distributions and are not uploaded as distributions themselves.
COMPANION_SUFFIXES = (
    ".attestation", ".sig", ".asc", ".sigstore.json", ".sigstore",
    ".cdx.json",  # the release's SBOM, which py-release writes beside the files
)  # fmt: skip
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


def release_in_filename(filename: str) -> tuple[NormalizedName, Version] | None:
    """The project (normalized) and version a wheel or sdist file name carries, or None when
    the name does not parse."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[:2]
        return parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def version_in_filename(filename: str) -> Version | None:
    """The version a wheel or sdist file name carries, or None when the name does not parse."""
    release = release_in_filename(filename)
    return release[1] if release else None


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
    # Entries that look like distributions but are not regular files (a link, a device).
    not_files: tuple[Path, ...]
    # Distributions in a format PyPI refuses (.egg, .tar.bz2, ...).
    unsupported: tuple[Path, ...]
    ignored: tuple[Path, ...]
    # Sub-folders the distributions were found in: download-artifact without merge-multiple
    # puts each artifact in a folder of its own (dist/wheels-linux/x.whl).
    artifact_folders: tuple[Path, ...] = ()
    # The same file (same name and bytes) in two artifacts: the later ones, left out.
    duplicates: tuple[Path, ...] = ()
    # Two different files of one name: refused, as only one can be published.
    conflicts: tuple[tuple[Path, Path], ...] = ()


def _sort_entry(
    entry: Path,
    dists: list[DistFile],
    not_files: list[Path],
    unsupported: list[Path],
    ignored: list[Path],
) -> None:
    if entry.name.endswith(COMPANION_SUFFIXES) or entry.name.startswith("."):
        return
    if entry.name.lower().endswith(tuple(s.lower() for s in UNSUPPORTED_SUFFIXES)):
        unsupported.append(entry)
    elif dist_kind(entry.name) is None:
        ignored.append(entry)
    elif entry.is_file() and not entry.is_symlink():
        dists.append(DistFile(entry))
    else:
        not_files.append(entry)


def scan_packages_dir(folder: Path) -> FolderContents:
    """Sort ``folder`` into distributions, impostors, refused formats and everything else:
    its files, and the files of its sub-folders (one per artifact, as download-artifact
    leaves them without merge-multiple; a folder named like a distribution included)."""
    dists: list[DistFile] = []
    not_files: list[Path] = []
    unsupported: list[Path] = []
    ignored: list[Path] = []
    artifact_folders: list[Path] = []
    if not folder.is_dir():
        return FolderContents((), (), (), ())
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
            before = len(dists) + len(unsupported)
            for inner in sorted(entry.iterdir()):
                if not inner.is_dir():
                    _sort_entry(inner, dists, not_files, unsupported, ignored)
            if len(dists) + len(unsupported) > before:
                artifact_folders.append(entry)
            elif dist_kind(entry.name) is not None:
                not_files.append(entry)  # named like a distribution, holding none
            else:
                ignored.append(entry)
            continue
        _sort_entry(entry, dists, not_files, unsupported, ignored)
    kept, duplicates, conflicts = _one_per_name(dists)
    return FolderContents(
        tuple(kept),
        tuple(not_files),
        tuple(unsupported),
        tuple(ignored),
        tuple(artifact_folders),
        tuple(duplicates),
        tuple(conflicts),
    )


def _one_per_name(
    dists: list[DistFile],
) -> tuple[list[DistFile], list[Path], list[tuple[Path, Path]]]:
    """The first file of each name; identical copies in other artifacts are duplicates,
    different ones conflicts."""
    by_name: dict[str, DistFile] = {}
    duplicates: list[Path] = []
    conflicts: list[tuple[Path, Path]] = []
    for dist in dists:
        first = by_name.get(dist.name)
        if first is None:
            by_name[dist.name] = dist
        elif first.hashes.sha256 == dist.hashes.sha256:
            duplicates.append(dist.path)
        else:
            conflicts.append((first.path, dist.path))
    return list(by_name.values()), duplicates, conflicts
