"""The upload form twine sends for a file: the metadata PyPI checks is this form, not the
file's own METADATA or PKG-INFO.

twine leaves some fields out on purpose (``License-File`` under Metadata-Version 2.4, which
setuptools before 77 writes into 2.1/2.2 metadata) and refuses files whose metadata it cannot
read; both are twine's own code here, so the check sees exactly what the upload will carry.
"""

from __future__ import annotations

import tarfile
import zipfile
from dataclasses import dataclass

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


def upload_form(dist: DistFile) -> UploadForm:
    """The form of ``dist``, or raises TwineRefusal."""
    try:
        package = PackageFile.from_filename(str(dist.path), comment=None)
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
