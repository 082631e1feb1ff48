"""Inputs and flags -> a validated, frozen ``Config``.

Every problem is collected and reported at once. Inputs arrive as ``INPUT_<NAME>`` variables
(upper case, ``-`` kept, as GitHub sets them for container actions and as our composite action
maps them) or as CLI flags, which win over the environment.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from py_release.errors import InputError, InputErrors
from py_release.index.sandbox_routes import SandboxRoutes, read_sandbox_routes
from py_release.inputs import INPUTS, INPUTS_BY_NAME, InputSpec
from py_release.secrets import Secret

AutoBool = Literal["auto", "true", "false"]

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
TYPO_CUTOFF = 0.75


@dataclass(frozen=True)
class Config:
    user: str = "__token__"
    password: Secret | None = None
    repository_url: str = "https://upload.pypi.org/legacy/"
    repository: str | None = None
    release_tag_pattern: str = r"^v[0-9]+\.[0-9]+\.[0-9]+(-(a|b|rc|alpha|beta)\.?[0-9]+)?$"
    packages_dir: Path = Path("dist")
    verify_metadata: bool = True
    skip_existing: bool = False
    verbose: bool = True
    print_hash: bool = True
    attestations: bool = True
    dry_run: AutoBool = "auto"
    build: AutoBool = "auto"
    project_dir: Path = Path()
    check_tag: AutoBool = "auto"
    max_file_size: int = 100 * 1024**2
    concurrency: int = 4
    verify_upload: bool = True
    sigstore_trust_config: Path | None = None
    doctor: Literal["warn", "error", "off"] = "warn"
    github_release: Literal["false", "true", "draft"] = "false"
    github_token: Secret | None = None
    python: str | None = None
    # PY_RELEASE_SANDBOX_* stand-ins for PyPI and TestPyPI (rehearsals under act); empty
    # elsewhere.
    sandbox: SandboxRoutes = field(default_factory=SandboxRoutes)
    warnings: tuple[str, ...] = field(default=(), compare=False)


def env_key(name: str) -> str:
    """The environment variable GitHub uses for an input (``-`` kept, upper case)."""
    return "INPUT_" + name.replace(" ", "_").upper()


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-")


def _known_names() -> dict[str, str]:
    """Every accepted spelling (normalised) -> the input it belongs to."""
    known: dict[str, str] = {}
    for spec in INPUTS:
        known[_normalise(spec.name)] = spec.name
        if spec.alias:
            known[_normalise(spec.alias)] = spec.name
    return known


def closest_input(name: str) -> str | None:
    """The known input a misspelt name most likely meant, or None."""
    known = _known_names()
    matches = difflib.get_close_matches(_normalise(name), list(known), n=1, cutoff=TYPO_CUTOFF)
    return known[matches[0]] if matches else None


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
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", raw)
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
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise InputError(
            spec_name,
            f"'{raw}' is not a whole number from 1 to {MAX_CONCURRENCY}",
            f"set {spec_name} to how many files to upload at once, e.g. 4 (1 = one at a time)",
        )
    return int(text)


def parse_repository_url(spec_name: str, raw: str) -> str:
    url = parse_text(spec_name, raw)
    hint = (
        f"set {spec_name} to the index's upload URL, e.g. https://upload.pypi.org/legacy/ "
        "or https://test.pypi.org/legacy/"
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


def parse_repository(spec_name: str, text: str) -> str | None:
    """``pypi``, ``testpypi``, ``auto``, an upload URL, or None (use repository-url)."""
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


def parse_choice(spec: InputSpec, raw: str) -> str:
    value = raw.strip().lower()
    # A choice that has true and false takes every boolean spelling for them.
    if {"true", "false"} <= set(spec.choices) and value in _TRUE | _FALSE:
        value = "true" if value in _TRUE else "false"
    if value not in spec.choices:
        listed = ", ".join(spec.choices)
        raise InputError(
            spec.name, f"'{raw}' is not one of {listed}", f"set {spec.name} to one of {listed}"
        )
    return value


def parse_text(spec_name: str, raw: str) -> str:
    if "\n" in raw or "\r" in raw:
        raise InputError(spec_name, "has more than one line", f"give {spec_name} on one line")
    return raw.strip()


def _underscore_key(name: str) -> str:
    """``INPUT_DRY_RUN``: the spelling a shell or ``docker run -e`` can set."""
    return env_key(name).replace("-", "_")


def _accepted_keys() -> set[str]:
    """Every variable name that is read: the input's own, its ``_`` spelling, its alias."""
    keys: set[str] = set()
    for spec in INPUTS:
        keys |= {env_key(spec.name), _underscore_key(spec.name)}
        if spec.alias:
            keys.add(env_key(spec.alias))
    return keys


def _raw_values(
    environ: Mapping[str, str], flags: Mapping[str, str | None], warnings: list[str]
) -> dict[str, str]:
    """Each input's raw text: flag, else deprecated alias, else ``INPUT_<NAME>`` (``-`` or
    ``_``, as the reference action reads them), else the default."""
    raw: dict[str, str] = {}
    for spec in INPUTS:
        value = environ.get(env_key(spec.name), "")
        if not value.strip() and not spec.alias:
            value = environ.get(_underscore_key(spec.name), "")
        if spec.alias:
            # The alias has no default of its own, so a non-empty value was written by the user.
            alias_value = environ.get(env_key(spec.alias), "")
            if alias_value.strip():
                warnings.append(f"input '{spec.alias}' is deprecated; use '{spec.name}' instead")
                value = alias_value
        flag_value = flags.get(spec.name)
        if flag_value is not None:
            value = flag_value
        raw[spec.name] = value if value.strip() or spec.kind == "secret" else spec.default
    return raw


def _typo_errors(environ: Mapping[str, str], warnings: list[str]) -> list[InputError]:
    known = _known_names()
    accepted = _accepted_keys()
    errors: list[InputError] = []
    for key in sorted(environ):
        if not key.startswith("INPUT_") or key in accepted:
            continue
        name = key.removeprefix("INPUT_")
        if _normalise(name) in known:
            # A known input in a spelling that is never read (e.g. lower case): say so.
            meant = known[_normalise(name)]
            errors.append(
                InputError(
                    meant,
                    f"{key} is not read",
                    f"set {env_key(meant)} instead (upper case, as GitHub sets inputs)",
                )
            )
            continue
        guess = closest_input(name)
        if guess:
            errors.append(
                InputError(
                    name.lower(),
                    f"unknown input (from {key}); did you mean '{guess}'?",
                    f"rename it to '{guess}'",
                )
            )
        else:
            warnings.append(f"ignoring {key}: py-release has no input of that name")
    return errors


def _parse_one(spec: InputSpec, raw: str) -> object:
    if spec.kind == "bool":
        return parse_bool(spec.name, raw)
    if spec.kind == "auto-bool":
        return parse_auto_bool(spec.name, raw)
    if spec.kind == "size":
        return parse_size(spec.name, raw)
    if spec.kind == "count":
        return parse_count(spec.name, raw)
    if spec.kind == "choice":
        return parse_choice(spec, raw)
    if spec.kind == "path":
        text = parse_text(spec.name, raw)
        if not text:
            raise InputError(spec.name, "is empty", f"set {spec.name} to a folder")
        return Path(text)
    if spec.kind == "secret":
        return Secret(raw.strip()) if raw.strip() else None
    if spec.name == "repository-url":
        return parse_repository_url(spec.name, raw)
    text = parse_text(spec.name, raw)
    if spec.name == "sigstore-trust-config":
        return Path(text) if text else None
    if spec.name == "repository":
        return parse_repository(spec.name, text)
    if spec.name == "release-tag-pattern":
        try:
            re.compile(text)
        except re.error as exc:
            raise InputError(
                spec.name,
                f"is not a regular expression ({exc})",
                "give a Python regular expression, e.g. ^v[0-9]+\\.[0-9]+\\.[0-9]+$",
            ) from None
        return text
    return text or None if spec.name == "python" else text


def load_config(
    environ: Mapping[str, str], flags: Mapping[str, str | None] | None = None
) -> Config:
    """Parse and validate all inputs.

    Raises ``InputError`` for one bad input and ``InputErrors`` for several; nothing else has
    happened by then.
    """
    warnings: list[str] = []
    errors = _typo_errors(environ, warnings)
    raw = _raw_values(environ, flags or {}, warnings)
    values: dict[str, object] = {}
    for spec in INPUTS:
        try:
            values[spec.name.replace("-", "_")] = _parse_one(spec, raw[spec.name])
        except InputError as exc:
            errors.append(exc)
    repository = values.get("repository")
    if repository and values.get("repository_url") != INPUTS_BY_NAME["repository-url"].default:
        errors.append(
            InputError(
                "repository",
                "is set together with repository-url",
                "use one: repository (pypi, testpypi, auto or a URL) or repository-url",
            )
        )
    sandbox, sandbox_errors = read_sandbox_routes(
        environ, trust_config_input=values.get("sigstore_trust_config") is not None
    )
    errors += sandbox_errors
    if sandbox.trust_config is not None:
        values["sigstore_trust_config"] = sandbox.trust_config
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
    return Config(warnings=tuple(warnings), sandbox=sandbox, **values)  # type: ignore[arg-type]
