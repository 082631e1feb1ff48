"""What is inside an sdist or a wheel: its members, read one at a time, and the file list the
job summary shows."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from py_release.distributions.files import DistFile

MAX_ENTRIES = 400
# What opening or reading a broken archive raises.
ARCHIVE_ERRORS = (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError)


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    is_file: bool  # a regular file (a tar also holds links and devices)
    read: Callable[[], bytes]  # its bytes, read whole: mind ``size`` first


def members(dist: DistFile) -> Iterator[Member]:
    """Every member of the archive but its folders, in archive order; raises one of
    ``ARCHIVE_ERRORS`` for an archive that cannot be read."""
    if dist.kind == "wheel" or dist.name.endswith(".zip"):
        with zipfile.ZipFile(dist.path) as zipped:
            for info in zipped.infolist():
                if not info.is_dir():
                    yield Member(info.filename, info.file_size, True, _zip_reader(zipped, info))
        return
    with tarfile.open(dist.path, "r:gz") as tarred:
        for entry in tarred.getmembers():
            if not entry.isdir():
                yield Member(entry.name, entry.size, entry.isfile(), _tar_reader(tarred, entry))


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    return lambda: archive.read(info)


def _tar_reader(archive: tarfile.TarFile, entry: tarfile.TarInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        stream = archive.extractfile(entry)
        return stream.read() if stream else b""

    return read


def list_contents(dist: DistFile) -> list[tuple[str, int]]:
    """(path, size) of each file in the archive, at most ``MAX_ENTRIES``; empty if unreadable."""
    try:
        entries = [(member.name, member.size) for member in members(dist)]
    except ARCHIVE_ERRORS:
        return []
    return sorted(entries)[:MAX_ENTRIES]
