"""The upload form twine sends for a file: the metadata PyPI checks is this form, not the
file's own METADATA or PKG-INFO.

twine leaves some fields out on purpose (``License-File`` under Metadata-Version 2.4, which
setuptools before 77 writes into 2.1/2.2 metadata) and refuses files whose metadata it cannot
read; both are twine's own code here, so the check sees exactly what the upload will carry.
"""

from __future__ import annotations

import copy
import tarfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from twine.exceptions import InvalidDistribution
from twine.package import PackageFile
from twine.repository import Repository

from py_release.distributions.files import DistFile


@dataclass(frozen=True)
class UploadForm:
    """The form fields twine posts beside the file, each (name, value), in twine's order."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


class TwineRefusal(Exception):
    """twine will not upload the file; each reason as twine gives it."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def package_file(dist: DistFile) -> PackageFile:
    """twine's ``PackageFile`` of ``dist``, a copy of one made once per file: making one reads
    the metadata and hashes the whole file, and the check and every upload attempt need it.
    Raises twine's own errors."""
    stat = dist.path.stat()
    return copy.copy(_package_file(str(dist.path), stat.st_size, stat.st_mtime_ns))


@lru_cache(maxsize=256)
def _package_file(path: str, size: int, mtime_ns: int) -> PackageFile:
    # The size and mtime are in the key so that a file rebuilt at the same path is read anew.
    return PackageFile.from_filename(path, comment=None)


def upload_form(dist: DistFile) -> UploadForm:
    """The form of ``dist``, or raises TwineRefusal."""
    try:
        package = package_file(dist)
    except InvalidDistribution as exc:
        # twine names the file by its absolute path; the reader knows which file it is.
        text = (
            str(exc).replace(str(dist.path.resolve()), dist.name).replace(str(dist.path), dist.name)
        )
        head, _, listed = text.partition(": ")
        if head == "Invalid distribution metadata" and listed:
            raise TwineRefusal([f"{head}: {reason}" for reason in listed.split("; ")]) from exc
        raise TwineRefusal([text]) from exc
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise TwineRefusal([f"twine cannot read the file: {exc}"]) from exc
    # twine's own conversion of its metadata dictionary into form fields (it is what
    # Repository.upload posts); keywords, project URLs and lists come out as PyPI reads them.
    pairs = Repository._convert_metadata_to_list_of_tuples(package.metadata_dictionary())
    return UploadForm(tuple((key, value) for key, value in pairs if isinstance(value, str)))
