"""File lists of an sdist and a wheel, for the job summary."""

from __future__ import annotations

import tarfile
import zipfile

from py_release.distributions.files import DistFile

MAX_ENTRIES = 400


def list_contents(dist: DistFile) -> list[tuple[str, int]]:
    """(path, size) of each file in the archive, at most ``MAX_ENTRIES``; empty if unreadable."""
    try:
        if dist.kind == "wheel" or dist.name.endswith(".zip"):
            with zipfile.ZipFile(dist.path) as archive:
                entries = [(i.filename, i.file_size) for i in archive.infolist() if not i.is_dir()]
        else:
            with tarfile.open(dist.path, "r:gz") as archive:
                entries = [(m.name, m.size) for m in archive.getmembers() if not m.isdir()]
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError):
        return []
    return sorted(entries)[:MAX_ENTRIES]
