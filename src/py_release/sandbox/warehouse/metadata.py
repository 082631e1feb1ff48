"""The upload form and the core metadata in it, checked as warehouse checks them: its
``UploadForm``, then packaging's metadata rules and PyPI's on top."""

from __future__ import annotations

import re
from typing import cast

from packaging.metadata import InvalidMetadata, Metadata, RawMetadata
from packaging.requirements import InvalidRequirement, Requirement
from trove_classifiers import all_classifiers, deprecated_classifiers
from werkzeug.datastructures import MultiDict

from py_release.sandbox.warehouse.distribution import EXTENSIONS
from py_release.sandbox.warehouse.refusal import bad_request

CORE_METADATA_HELP = "https://packaging.python.org/specifications/core-metadata"
LOCAL_VERSION_HELP = (
    "https://packaging.python.org/en/latest/specifications/version-specifiers/"
    "#local-version-identifiers"
)
_NAME = re.compile(r"([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])", re.IGNORECASE)
_HEX64 = re.compile(r"[A-F0-9]{64}", re.IGNORECASE)
SUPPORTED_METADATA_VERSIONS = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
_FIRST_REPORTED = ("metadata-version", "name", "version")
# Fields that may be declared Dynamic (PEP 643, PEP 794): every field but the identifying ones.
_NOT_DYNAMIC = {"metadata-version", "name", "version", "dynamic"}


def sanitized(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """warehouse's ``sanitize``: drop distutils' "UNKNOWN" values, escape NUL characters."""
    clean: MultiDict[str, str] = MultiDict()
    for key in form:
        values = form.getlist(key)
        if values and values[0].strip() == "UNKNOWN":
            continue
        for value in values:
            clean.add(key, value.replace("\x00", "\\x00"))
    return clean


def validate_form(form: MultiDict[str, str]) -> str:
    """warehouse's ``UploadForm``; returns the filetype."""
    errors: dict[str, str] = {}
    name = form.get("name", "")
    if not name:
        errors["name"] = "This field is required."
    elif not _NAME.fullmatch(name):
        errors["name"] = (
            "Start and end with a letter or numeral containing only ASCII numeric and "
            "'.', '_' and '-'."
        )
    filetype = form.get("filetype", "")
    if not filetype:
        errors["filetype"] = "This field is required."
    elif filetype not in EXTENSIONS:
        errors["filetype"] = "Use a known file type."
    for digest, label in (("sha256_digest", "SHA256"), ("blake2_256_digest", "BLAKE2")):
        value = form.get(digest, "").strip()
        if value and not _HEX64.fullmatch(value):
            errors[digest] = f"Use a valid, hex-encoded, {label} message digest."
    if "name" in errors:
        shown = name if len(name) <= 60 else f"{name[:30]}...{name[-30:]}"
        raise bad_request(
            f"{shown!r} is an invalid value for Name. Error: {errors['name']} "
            f"See {CORE_METADATA_HELP} for more information."
        )
    if errors:
        first = sorted(errors)[0]
        raise bad_request(f"Invalid value for {first}. Error: {errors[first]}")
    pyversion = form.get("pyversion", "")
    if filetype != "sdist" and not pyversion:
        raise bad_request(
            "Invalid value for pyversion. Error: Python version is required for binary "
            "distribution uploads."
        )
    if filetype == "sdist" and pyversion not in ("", "source"):
        raise bad_request(
            "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist."
        )
    if not any(form.get(f"{d}_digest") for d in ("md5", "sha256", "blake2_256")):
        raise bad_request("Error: Include at least one message digest.")
    return filetype


# Form field -> packaging's RawMetadata key, for the fields that are lists.
_LIST_FIELDS = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "classifiers": "classifiers",
    "requires_dist": "requires_dist",
    "requires_external": "requires_external",
    "provides_extra": "provides_extra",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "requires": "requires",
    "provides": "provides",
    "obsoletes": "obsoletes",
    "dynamic": "dynamic",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}
_STRING_FIELDS = {
    "metadata_version", "name", "version", "summary", "description",
    "description_content_type", "home_page", "download_url", "author", "author_email",
    "maintainer", "maintainer_email", "license", "license_expression", "requires_python",
}  # fmt: skip


def _raw_metadata(form: MultiDict[str, str]) -> RawMetadata:
    """Core metadata from the upload form, as packaging's RawMetadata (twine sends each field
    under its RawMetadata name, repeated for lists)."""
    raw: dict[str, object] = {}
    unparsed: list[str] = []
    for name in sorted(set(form)):
        values = form.getlist(name)
        if values == [""]:
            continue
        if name in _STRING_FIELDS and len(values) == 1:
            raw[name] = values[0]
        elif name in _LIST_FIELDS:
            raw[_LIST_FIELDS[name]] = values
        elif name == "keywords" and len(values) == 1:
            raw["keywords"] = [k.strip() for k in values[0].split(",")]
        elif name == "project_urls":
            urls: dict[str, str] = {}
            for pair in values:
                label, _, url = pair.partition(",")
                if label.strip() in urls:
                    unparsed.append(name)
                    break
                urls[label.strip()] = url.strip()
            raw["project_urls"] = urls
        elif name in _STRING_FIELDS or name == "keywords":
            unparsed.append(name)
    if unparsed:
        raise ExceptionGroup(
            "unparsed", [InvalidMetadata(key, f"{key!r} has invalid data") for key in unparsed]
        )
    return cast(RawMetadata, raw)


def parse_metadata(form: MultiDict[str, str]) -> Metadata:
    """Validated core metadata, with PyPI's rules on top of packaging's, or the 400 warehouse
    gives for the most important problem."""
    try:
        meta = Metadata.from_raw(_raw_metadata(form))
        problems = _pypi_rules(meta)
    except ExceptionGroup as group:
        problems = [e for e in group.exceptions if isinstance(e, InvalidMetadata)]
        if len(problems) != len(group.exceptions):
            raise
    if not problems:
        return meta
    by_field: dict[str, list[InvalidMetadata]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem)
    chosen = next((f for f in _FIRST_REPORTED if f in by_field), None) or sorted(by_field)[0]
    text = str(by_field[chosen][0])
    local = chosen == "version" and any("use of local versions" in str(e) for e in by_field[chosen])
    see = LOCAL_VERSION_HELP if local else CORE_METADATA_HELP
    raise bad_request(f"{text}{'' if text.endswith('.') else '.'} See {see} for more information.")


def _pypi_rules(meta: Metadata) -> list[InvalidMetadata]:
    """What PyPI refuses that packaging accepts."""
    problems: list[InvalidMetadata] = []
    if meta.metadata_version not in SUPPORTED_METADATA_VERSIONS:
        problems.append(
            InvalidMetadata(
                "metadata-version", f"{meta.metadata_version!r} is not a valid metadata version"
            )
        )
    if meta.version.local:
        problems.append(
            InvalidMetadata(
                "version", f"The use of local versions in '{meta.version}' is not allowed."
            )
        )
    if meta.summary and len(meta.summary) > 512:
        problems.append(
            InvalidMetadata("summary", "'summary' field must be 512 characters or less.")
        )
    classifiers = set(meta.classifiers or [])
    problems += [
        InvalidMetadata("classifier", f"{classifier!r} is not a valid classifier.")
        for classifier in sorted(classifiers - set(all_classifiers))
    ]
    for classifier in sorted(classifiers & set(deprecated_classifiers)):
        instead = deprecated_classifiers[classifier]
        tail = f", use one of {instead} instead." if instead else "."
        problems.append(
            InvalidMetadata(
                "classifier", f"The classifier {classifier!r} has been deprecated{tail}"
            )
        )
    for label, url in (meta.project_urls or {}).items():
        if not label:
            problems.append(InvalidMetadata("project-url", "Must have a label"))
        elif len(label) > 32:
            problems.append(
                InvalidMetadata("project-url", f"{label!r} must be 32 characters or less.")
            )
        elif not url:
            problems.append(InvalidMetadata("project-url", "Must have a URL"))
    for key, requirements in (
        ("provides-dist", meta.provides_dist),
        ("obsoletes-dist", meta.obsoletes_dist),
    ):
        for text in requirements or []:
            try:
                if Requirement(text).url is not None:
                    problems.append(InvalidMetadata(key, f"Can't have direct dependency: {text!r}"))
            except InvalidRequirement as exc:
                problems.append(InvalidMetadata(key, f"{text!r} is invalid: {exc}"))
    problems += [
        InvalidMetadata("requires-dist", f"Can't have direct dependency: {requirement}")
        for requirement in meta.requires_dist or []
        if requirement.url is not None
    ]
    problems += [
        InvalidMetadata("dynamic", f"Dynamic field {key!r} is not a valid dynamic field.")
        for key in meta.dynamic or []
        if key.lower() in _NOT_DYNAMIC
    ]
    if meta.license and meta.license_expression:
        problems.append(
            InvalidMetadata(
                "license",
                "License is deprecated when License-Expression is present. "
                "Only License-Expression should be present.",
            )
        )
    return problems
