"""File names as PyPI requires them: parseable wheel names, PEP 625 sdist names."""

from __future__ import annotations

from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from py_release.distributions.files import DistFile
from py_release.errors import Problem

_NAME_HINT = (
    "let your build backend name the file (a current one follows PEP 625/427); do not rename it"
)


def expected_sdist_name(name: str, version: str) -> str:
    """PEP 625: ``{normalized_name}-{version}.tar.gz`` with ``-`` written as ``_``."""
    return f"{canonicalize_name(name).replace('-', '_')}-{Version(version)}.tar.gz"


def filename_problems(dist: DistFile, name: str, version: str) -> list[Problem]:
    """Compare a file's name with the metadata it carries."""
    file = dist.name
    if dist.kind == "wheel":
        try:
            wheel_name, wheel_version, _, _ = parse_wheel_filename(file)
        except (InvalidWheelFilename, InvalidVersion) as exc:
            return [Problem(file, f"is not a valid wheel file name: {exc}", _NAME_HINT)]
        problems = []
        if wheel_name != canonicalize_name(name):
            problems.append(
                Problem(
                    file,
                    f"the file name says project '{wheel_name}', the metadata says '{name}'",
                    _NAME_HINT,
                )
            )
        if wheel_version != Version(version):
            problems.append(
                Problem(
                    file,
                    f"Version in filename should be '{version}' not '{wheel_version}'.",
                    _NAME_HINT,
                )
            )
        return problems
    try:
        expected = expected_sdist_name(name, version)
    except InvalidVersion:
        return []  # metadata validation reports the version
    if file == expected:
        return []
    if not file.endswith(".tar.gz"):
        return [
            Problem(
                file,
                f"sdists must be .tar.gz (PEP 625); expected '{expected}'",
                "build the sdist as .tar.gz (python -m build --sdist does)",
            )
        ]
    return [Problem(file, f"Filename '{file}' is invalid, should be '{expected}'.", _NAME_HINT)]
