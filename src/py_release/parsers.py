"""The parsers of input values: each takes the input's name and its raw text, returns the value
``Config`` holds, or raises ``InputError`` naming the input and the fix. The table in
``inputs.py`` says which parser each input has."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from py_release.dependencies.findings import VULNERABILITY_ID
from py_release.errors import InputError
from py_release.index.repositories import PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL
from py_release.secrets import Secret

AutoBool = Literal["auto", "true", "false"]
# build: sdist / wheel build only that one (a compiled project's wheels come from a matrix).
BuildChoice = Literal["auto", "true", "false", "sdist", "wheel"]
MetadataCheck = Literal["true", "false", "strict"]
Parser = Callable[[str, str], object]

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
# An index cannot take more than this per file (warehouse's UPLOAD_LIMIT_CAP is 1 GiB);
# anything larger is a typo.
_SIZE_CAP = 1024**3


def parse_bool(spec_name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(
        spec_name,
        f"'{raw}' is not a boolean",
        f"set {spec_name} to true or false (yes/no and 1/0 work too)",
    )


def parse_auto_bool(spec_name: str, raw: str) -> AutoBool:
    value = raw.strip().lower()
    if value == "auto":
        return "auto"
    if value in _TRUE:
        return "true"
    if value in _FALSE:
        return "false"
    raise InputError(
        spec_name,
        f"'{raw}' is not auto, true or false",
        f"set {spec_name} to auto, true or false",
    )


def parse_size(spec_name: str, raw: str) -> int:
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", raw)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _SIZE_UNITS:
        raise InputError(
            spec_name,
            f"'{raw}' is not a size",
            f"give {spec_name} as a number of bytes or with a unit, e.g. 100MiB or 1GiB",
        )
    size = int(Decimal(match.group(1)) * _SIZE_UNITS[unit])
    if size <= 0 or size > _SIZE_CAP:
        raise InputError(
            spec_name,
            f"{raw} is outside 1 byte to 1 GiB",
            f"set {spec_name} to the index's per-file limit (PyPI: 100MiB unless raised)",
        )
    return size


MAX_CONCURRENCY = 32


def parse_count(spec_name: str, raw: str) -> int:
    text = raw.strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise InputError(
            spec_name,
            f"'{raw}' is not a whole number from 1 to {MAX_CONCURRENCY}",
            f"set {spec_name} to how many files to upload at once, e.g. 4 (1 = one at a time)",
        )
    return int(text)


def parse_repository_url(spec_name: str, raw: str) -> str:
    url = parse_text(spec_name, raw)
    hint = (
        f"set {spec_name} to the index's upload URL, e.g. {PYPI_UPLOAD_URL} "
        f"or {TESTPYPI_UPLOAD_URL}"
    )
    try:
        parts = urlsplit(url)
        has_credentials = bool(parts.username or parts.password)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a port
    except ValueError:
        # Never quote the value: a token pasted here by mistake would reach the log.
        raise InputError(spec_name, "is not a valid URL (check the host and port)", hint) from None
    if has_credentials:
        raise InputError(
            spec_name,
            "the URL contains credentials",
            "remove them from the URL and pass them as the user and password inputs",
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        scheme = f"'{parts.scheme}' URL" if parts.scheme else "URL without a scheme"
        raise InputError(spec_name, f"is a {scheme}, not an http(s) URL", hint)
    return url


REPOSITORY_NAMES = ("pypi", "testpypi", "auto")


def parse_repository(spec_name: str, raw: str) -> str | None:
    """``pypi``, ``testpypi``, ``auto``, an upload URL, or None (use repository-url)."""
    text = parse_text(spec_name, raw)
    if not text:
        return None
    if text.lower() in REPOSITORY_NAMES:
        return text.lower()
    if "://" not in text:
        raise InputError(
            spec_name,
            f"'{text}' is not pypi, testpypi, auto or an upload URL",
            "set repository to pypi, testpypi, auto, or the index's upload URL",
        )
    return parse_repository_url(spec_name, text)


def parse_choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    """The parser of an input that takes one of ``choices``."""

    def parse(spec_name: str, raw: str) -> str:
        value = raw.strip().lower()
        # A choice that has true and false takes every boolean spelling for them.
        if {"true", "false"} <= set(choices) and value in _TRUE | _FALSE:
            value = "true" if value in _TRUE else "false"
        if value not in choices:
            listed = ", ".join(choices)
            raise InputError(
                spec_name, f"'{raw}' is not one of {listed}", f"set {spec_name} to one of {listed}"
            )
        return value

    return parse


def parse_text(spec_name: str, raw: str) -> str:
    if "\n" in raw or "\r" in raw:
        raise InputError(spec_name, "has more than one line", f"give {spec_name} on one line")
    return raw.strip()


def parse_folder(spec_name: str, raw: str) -> Path:
    text = parse_text(spec_name, raw)
    if not text:
        raise InputError(spec_name, "is empty", f"set {spec_name} to a folder")
    return Path(text)


def parse_optional_path(spec_name: str, raw: str) -> Path | None:
    text = parse_text(spec_name, raw)
    return Path(text) if text else None


def parse_optional_text(spec_name: str, raw: str) -> str | None:
    return parse_text(spec_name, raw) or None


def parse_secret(spec_name: str, raw: str) -> Secret | None:
    # Never validated or stripped of more than whitespace: the value is never quoted back.
    return Secret(raw.strip()) if raw.strip() else None


_VULNERABILITY_ID = re.compile(VULNERABILITY_ID, re.IGNORECASE)


def parse_vulnerability_ids(spec_name: str, raw: str) -> tuple[str, ...]:
    """Ids separated by commas, spaces or new lines (a YAML block of one id per line works)."""
    ids = [part for part in re.split(r"[\s,]+", raw) if part]
    bad = [part for part in ids if not _VULNERABILITY_ID.match(part)]
    if bad:
        raise InputError(
            spec_name,
            f"'{bad[0][:80]}' is not a vulnerability id",
            f"list ids such as PYSEC-2024-1, GHSA-xxxx-xxxx-xxxx or CVE-2024-12345 in "
            f"{spec_name}, separated by commas or new lines",
        )
    return tuple(dict.fromkeys(ids))


def parse_pattern(spec_name: str, raw: str) -> str:
    text = parse_text(spec_name, raw)
    try:
        re.compile(text)
    except re.error as exc:
        raise InputError(
            spec_name,
            f"is not a regular expression ({exc})",
            "give a Python regular expression, e.g. ^v[0-9]+\\.[0-9]+\\.[0-9]+$",
        ) from None
    return text
