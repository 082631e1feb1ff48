"""PyPI's metadata rules, applied to the upload form twine sends.

PyPI reads the metadata of an upload from the form (warehouse ``forklift/forms.py`` and
``forklift/metadata.py``): it checks the form's own fields, parses the rest into core metadata,
lets ``packaging.metadata`` validate it, and adds its own rules (e-mail addresses, URLs,
classifiers, lengths, ``*-Dist`` fields, ``Dynamic``, licences). No library applies PyPI's
additions, so they are written here from warehouse's code; each message is warehouse's own.
"""

from __future__ import annotations

import email.utils
import re
import typing
from typing import cast

import email_validator
import trove_classifiers
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import InvalidRequirement, Requirement
from rfc3986 import exceptions as uri_exceptions
from rfc3986 import uri_reference, validators

from py_release.distributions.upload_form import UploadForm
from py_release.errors import Problem

SUPPORTED_METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"})
MAX_SUMMARY = 512
MAX_URL_LABEL = 32
_SPEC = "https://packaging.python.org/specifications/core-metadata"
_HINT = f"fix the project's metadata (pyproject.toml [project]); see {_SPEC}"
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z", re.IGNORECASE | re.ASCII)
_DIGEST = re.compile(r"^[A-F0-9]{64}$", re.IGNORECASE)
_FILETYPES = ("sdist", "bdist_wheel")
# Fields PEP 643 lets a project mark as Dynamic (warehouse's list).
_DYNAMIC_FIELDS = frozenset(
    name.lower()
    for name in (
        "Platform", "Supported-Platform", "Summary", "Description", "Description-Content-Type",
        "Keywords", "Home-Page", "Download-Url", "Author", "Author-Email", "Maintainer",
        "Maintainer-Email", "License", "License-Expression", "License-File", "Classifier",
        "Requires-Dist", "Requires-Python", "Requires-External", "Project-Url", "Provides-Extra",
        "Provides-Dist", "Obsoletes-Dist", "Requires", "Provides", "Obsoletes", "Import-Name",
        "Import-Namespace",
    )
)  # fmt: skip
# Form names that differ from the RawMetadata keys they fill.
_FORM_NAMES = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}
_RAW_TYPES = typing.get_type_hints(RawMetadata)


def _problem(file: str, message: str, hint: str = _HINT) -> Problem:
    return Problem(file, message, hint, by="PyPI")


def _form_problems(file: str, form: UploadForm) -> list[Problem]:
    """The upload form's own fields (warehouse ``UploadForm``)."""
    problems = []
    name = form.get("name") or ""
    if not _PROJECT_NAME.match(name):
        problems.append(
            _problem(
                file,
                f"{name!r} is an invalid value for Name. Error: Start and end with a letter or "
                "numeral containing only ASCII numeric and '.', '_' and '-'.",
                "name the project with ASCII letters, digits and . _ - (pyproject.toml "
                "[project] name)",
            )
        )
    filetype = form.get("filetype")
    if filetype not in _FILETYPES:
        problems.append(_problem(file, "Invalid value for filetype. Error: Use a known file type."))
    pyversion = form.get("pyversion")
    if filetype == "bdist_wheel" and not pyversion:
        problems.append(
            _problem(file, "Python version is required for binary distribution uploads.")
        )
    if filetype == "sdist" and pyversion not in (None, "", "source"):
        problems.append(_problem(file, "Use 'source' as Python version for an sdist."))
    digests = [form.get(f"{kind}_digest") for kind in ("md5", "sha256", "blake2_256")]
    if not any(digests):
        problems.append(_problem(file, "Include at least one message digest."))
    for kind in ("sha256", "blake2_256"):
        value = form.get(f"{kind}_digest")
        if value and not _DIGEST.match(value):
            problems.append(_problem(file, f"Use a valid, hex-encoded, {kind} message digest."))
    return problems


def _raw_from_form(form: UploadForm) -> tuple[RawMetadata, list[str]]:
    """The core metadata PyPI reads out of the form, and the fields it cannot read."""
    values: dict[str, list[str]] = {}
    for key, value in form.fields:
        values.setdefault(key, []).append(value)
    raw: dict[str, object] = {}
    unreadable = []
    for key, items in values.items():
        field = _FORM_NAMES.get(key, key)
        kind = _RAW_TYPES.get(field)
        if kind is None or items == [""]:
            continue  # not metadata (digests, filetype), or empty: as if not given
        if kind is str and len(items) == 1:
            raw[field] = items[0]
        elif kind == list[str] and field != "keywords":
            raw[field] = items
        elif field == "keywords" and len(items) == 1:
            raw[field] = [word.strip() for word in items[0].split(",")]
        elif field == "project_urls" and (urls := _project_urls(items)) is not None:
            raw[field] = urls
        else:
            unreadable.append(key)
    return cast(RawMetadata, raw), unreadable


def _project_urls(items: list[str]) -> dict[str, str] | None:
    urls: dict[str, str] = {}
    for item in items:
        label, _, url = item.partition(",")
        if label.strip() in urls:
            return None  # a label given twice cannot be read as a mapping
        urls[label.strip()] = url.strip()
    return urls


def form_metadata(file: str, form: UploadForm) -> tuple[Metadata | None, list[Problem]]:
    """The metadata PyPI reads from ``form``, with every rule it breaks."""
    problems = _form_problems(file, form)
    version = form.get("metadata_version") or ""
    if version not in SUPPORTED_METADATA_VERSIONS:
        problems.append(
            _problem(
                file,
                f"{version!r} is not a valid metadata version",
                "upgrade your build backend; PyPI accepts metadata versions 1.0 to 2.5",
            )
        )
        return None, problems
    raw, unreadable = _raw_from_form(form)
    problems += [_problem(file, f"{key!r} has invalid data") for key in unreadable]
    try:
        metadata = Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        problems += [
            _problem(file, f"{exc}.")
            for exc in group.exceptions
            if isinstance(exc, InvalidMetadata)
        ]
        return None, problems
    return metadata, problems + pypi_rule_problems(file, metadata)


def pypi_rule_problems(file: str, metadata: Metadata) -> list[Problem]:
    """The rules PyPI adds on top of the core metadata standard."""
    problems: list[Problem] = []
    if metadata.summary and len(metadata.summary) > MAX_SUMMARY:
        problems.append(
            _problem(
                file,
                f"'summary' field must be {MAX_SUMMARY} characters or less "
                f"(it has {len(metadata.summary)}).",
                "shorten project.description in pyproject.toml (one line; the README is the "
                "long description)",
            )
        )
    problems += _email_problems(file, metadata)
    problems += _classifier_problems(file, metadata.classifiers or [])
    problems += _url_problems(file, metadata)
    problems += _dist_field_problems(file, metadata)
    problems += [
        _problem(
            file,
            f"Dynamic field {key!r} is not a valid dynamic field.",
            "let your build backend write Dynamic (do not edit it); upgrade the backend",
        )
        for key in metadata.dynamic or []
        if key.lower() not in _DYNAMIC_FIELDS
    ]
    if metadata.license and metadata.license_expression:
        problems.append(
            _problem(
                file,
                "License is deprecated when License-Expression is present. "
                "Only License-Expression should be present.",
                'remove the license text/table and keep only `license = "SPDX-expression"`',
            )
        )
    return problems


def _email_problems(file: str, metadata: Metadata) -> list[Problem]:
    problems = []
    for field, label in (
        ("author_email", "Author-email"),
        ("maintainer_email", "Maintainer-email"),
    ):
        value = getattr(metadata, field)
        _, address = email.utils.parseaddr(value or "")
        if not address:
            continue
        try:
            email_validator.validate_email(address, check_deliverability=False)
        except email_validator.EmailNotValidError as exc:
            problems.append(
                _problem(
                    file,
                    f"{address!r} is not a valid email address: {exc}",
                    f"fix {label} (pyproject.toml [project] authors/maintainers: "
                    '{name = "...", email = "name@example.com"})',
                )
            )
    return problems


def _classifier_problems(file: str, classifiers: list[str]) -> list[Problem]:
    problems = []
    for classifier in sorted(set(classifiers) - set(trove_classifiers.all_classifiers)):
        problems.append(
            _problem(
                file,
                f"{classifier!r} is not a valid classifier.",
                "use a classifier from https://pypi.org/classifiers/ "
                "(`Private :: Do Not Upload` is refused on purpose)",
            )
        )
    for classifier in sorted(set(classifiers) & trove_classifiers.deprecated_classifiers.keys()):
        replacements = trove_classifiers.deprecated_classifiers[classifier]
        if replacements:
            message = (
                f"The classifier {classifier!r} has been deprecated, "
                f"use one of {replacements} instead."
            )
            hint = "replace it with " + " or ".join(repr(r) for r in replacements)
        else:
            message = f"The classifier {classifier!r} has been deprecated."
            hint = "remove the classifier from pyproject.toml; it has no replacement"
        problems.append(_problem(file, message, hint))
    return problems


def _is_url(url: str) -> bool:
    """warehouse's test: an absolute http(s) URL whose parts are each valid."""
    validator = (
        validators.Validator()
        .allow_schemes("http", "https")
        .require_presence_of("scheme")
        .check_validity_of("scheme", "host", "port", "path", "query")
    )
    try:
        validator.validate(uri_reference(url).normalize())
    except uri_exceptions.ValidationError:
        return False
    return True


def _url_problems(file: str, metadata: Metadata) -> list[Problem]:
    url_hint = "write a full http(s) URL (pyproject.toml [project.urls])"
    problems = [
        _problem(file, f"{url!r} is not a valid url.", url_hint)
        for url in (metadata.home_page, metadata.download_url)
        if url is not None and not _is_url(url)
    ]
    for label, url in (metadata.project_urls or {}).items():
        if not label:
            problems.append(_problem(file, "Must have a label", "give each URL a label"))
        elif len(label) > MAX_URL_LABEL:
            problems.append(
                _problem(
                    file,
                    f"{label!r} must be {MAX_URL_LABEL} characters or less.",
                    "shorten the label in [project.urls]",
                )
            )
        elif not url:
            problems.append(_problem(file, "Must have a URL", url_hint))
        elif not _is_url(url):
            problems.append(_problem(file, f"{url!r} is not a valid url", url_hint))
    return problems


def _dist_field_problems(file: str, metadata: Metadata) -> list[Problem]:
    direct_hint = "depend on a released version from an index instead of a URL"
    problems = []
    for field, label in (("provides_dist", "Provides-Dist"), ("obsoletes_dist", "Obsoletes-Dist")):
        for text in getattr(metadata, field) or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                problems.append(
                    _problem(file, f"{text!r} is invalid: {exc}", f"fix or drop {label}")
                )
                continue
            if requirement.url is not None:
                problems.append(
                    _problem(file, f"Can't have direct dependency: {text!r}", direct_hint)
                )
    problems += [
        _problem(file, f"Can't have direct dependency: {requirement}", direct_hint)
        for requirement in metadata.requires_dist or []
        if requirement.url
    ]
    return problems
