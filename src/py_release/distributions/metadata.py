"""Core metadata: read it from a distribution, validate it, and apply PyPI's upload rules.

``packaging.metadata`` does the parsing and the standard's validation. PyPI adds rules of its
own at upload time (warehouse ``forklift/metadata.py``); we apply the ones that can be known
offline, so a dry run catches what PyPI would refuse. The messages follow PyPI's.
"""

from __future__ import annotations

import tarfile
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import trove_classifiers
from packaging.metadata import InvalidMetadata, Metadata, parse_email
from packaging.requirements import Requirement

from py_release.distributions.files import DistFile
from py_release.errors import Problem

SUPPORTED_METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"})
MAX_SUMMARY = 512
MAX_URL_LABEL = 32
_SPEC = "https://packaging.python.org/specifications/core-metadata"
_METADATA_HINT = f"fix the project's metadata (pyproject.toml [project]); see {_SPEC}"


@dataclass(frozen=True)
class DistMetadata:
    """What a distribution says about itself, with the member names it holds."""

    raw: str
    members: frozenset[str]
    # Folder the metadata file sits in: the .dist-info of a wheel, the top folder of an sdist.
    root: str


class UnreadableMetadata(Exception):
    pass


def read_metadata(dist: DistFile) -> DistMetadata:
    """The METADATA (wheel) or PKG-INFO (sdist) text. Raises UnreadableMetadata."""
    try:
        if dist.kind == "wheel":
            return _wheel_metadata(dist.path)
        return _sdist_metadata(dist.path)
    except (
        OSError,
        zipfile.BadZipFile,
        tarfile.TarError,
        EOFError,
        KeyError,
        UnicodeDecodeError,
    ) as exc:
        raise UnreadableMetadata(str(exc)) from exc


def _wheel_metadata(path: Path) -> DistMetadata:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        infos = sorted({n.split("/", 1)[0] for n in names if ".dist-info/" in n})
        if len(infos) != 1:
            raise UnreadableMetadata(f"expected one .dist-info folder, found {len(infos)}")
        raw = archive.read(f"{infos[0]}/METADATA").decode("utf-8")
    return DistMetadata(raw, frozenset(names), infos[0])


def _sdist_metadata(path: Path) -> DistMetadata:
    if not path.name.endswith(".tar.gz"):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            top = names[0].split("/", 1)[0] if names else ""
            raw = archive.read(f"{top}/PKG-INFO").decode("utf-8")
        return DistMetadata(raw, frozenset(names), top)
    with tarfile.open(path, mode="r:gz") as archive:
        names = archive.getnames()
        top = names[0].split("/", 1)[0] if names else ""
        member = archive.extractfile(f"{top}/PKG-INFO")
        if member is None:
            raise UnreadableMetadata("PKG-INFO is not a regular file")
        raw = member.read().decode("utf-8")
    return DistMetadata(raw, frozenset(names), top)


def parse_metadata(file: str, dist_metadata: DistMetadata) -> tuple[Metadata | None, list[Problem]]:
    """Validate with ``packaging.metadata``; return the parsed metadata or the problems."""
    version = HeaderParser().parsestr(dist_metadata.raw).get("Metadata-Version", "")
    if version not in SUPPORTED_METADATA_VERSIONS:
        return None, [
            Problem(
                file,
                f"'{version}' is not a valid metadata version",
                "upgrade your build backend; PyPI accepts metadata versions 1.0 to 2.5",
            )
        ]
    raw, unparsed = parse_email(dist_metadata.raw)
    problems = [
        Problem(file, f"unrecognized or malformed field '{name}'", _METADATA_HINT)
        for name in sorted(unparsed)
    ]
    try:
        metadata = Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        problems += [
            Problem(file, f"invalid metadata: {exc}", _METADATA_HINT)
            for exc in group.exceptions
            if isinstance(exc, InvalidMetadata)
        ]
        return None, problems
    return metadata, problems


def pypi_rule_problems(file: str, metadata: Metadata, dist_metadata: DistMetadata) -> list[Problem]:
    """The upload rules PyPI adds on top of the metadata standard."""
    problems: list[Problem] = []
    if metadata.license and metadata.license_expression:
        problems.append(
            Problem(
                file,
                "License is deprecated when License-Expression is present. "
                "Only License-Expression should be present.",
                'remove the license text/table and keep only `license = "SPDX-expression"`',
            )
        )
    for license_file in metadata.license_files or []:
        if not _has_license_file(license_file, dist_metadata):
            problems.append(
                Problem(
                    file,
                    f"License-File {license_file} does not exist in the distribution",
                    "include the file in the distribution or drop it from license-files",
                )
            )
    problems += _classifier_problems(file, metadata.classifiers or [])
    if metadata.summary and len(metadata.summary) > MAX_SUMMARY:
        problems.append(
            Problem(
                file,
                f"'summary' field must be {MAX_SUMMARY} characters or less "
                f"(it has {len(metadata.summary)})",
                "shorten project.description in pyproject.toml",
            )
        )
    for label in metadata.project_urls or {}:
        if len(label) > MAX_URL_LABEL:
            problems.append(
                Problem(
                    file,
                    f"Project-URL label '{label}' is longer than {MAX_URL_LABEL} characters",
                    "shorten the label in [project.urls]",
                )
            )
    problems += _direct_url_problems(file, metadata.requires_dist or [])
    return problems


def _has_license_file(license_file: str, dist_metadata: DistMetadata) -> bool:
    members = dist_metadata.members
    if dist_metadata.root.endswith(".dist-info"):
        return f"{dist_metadata.root}/licenses/{license_file}" in members
    return f"{dist_metadata.root}/{license_file}" in members


def _classifier_problems(file: str, classifiers: list[str]) -> list[Problem]:
    problems = []
    for classifier in classifiers:
        if classifier in trove_classifiers.deprecated_classifiers:
            replacements = trove_classifiers.deprecated_classifiers[classifier]
            problems.append(
                Problem(
                    file,
                    f"The classifier '{classifier}' has been deprecated, "
                    f"use one of {replacements} instead.",
                    "replace the classifier in pyproject.toml",
                )
            )
        elif classifier not in trove_classifiers.classifiers:
            problems.append(
                Problem(
                    file,
                    f"'{classifier}' is not a valid classifier.",
                    "use a classifier from https://pypi.org/classifiers/ "
                    "(`Private :: Do Not Upload` is refused on purpose)",
                )
            )
    return problems


def _direct_url_problems(file: str, requirements: list[Requirement]) -> list[Problem]:
    return [
        Problem(
            file,
            f"Can't have direct dependency: {requirement}",
            "depend on a released version from an index instead of a URL",
        )
        for requirement in requirements
        if requirement.url
    ]
