"""Inputs and flags -> a validated, frozen ``Config``.

Every problem is collected and reported at once. Inputs arrive as ``INPUT_<NAME>`` variables
(upper case, ``-`` kept, as GitHub sets them for container actions and as our composite action
maps them) or as CLI flags, which win over the environment.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from py_release.errors import InputError, InputErrors
from py_release.index.repositories import is_loopback
from py_release.index.sandbox_routes import SandboxRoutes, read_sandbox_routes
from py_release.inputs import INPUTS, INPUTS_BY_NAME, parsed_default
from py_release.parsers import AutoBool, BuildChoice, MetadataCheck
from py_release.secrets import Secret

__all__ = [
    "AutoBool",
    "BuildChoice",
    "Config",
    "MetadataCheck",
    "closest_input",
    "env_key",
    "load_config",
]

TYPO_CUTOFF = 0.75


@dataclass(frozen=True)
class Config:
    """Every input, parsed. Defaults come from the table in ``inputs.py`` (each field's name is
    its input's, ``-`` as ``_``); tests/unit/test_config.py keeps fields, types and table in step.
    """

    user: str = parsed_default("user")
    password: Secret | None = parsed_default("password")
    repository_url: str = parsed_default("repository-url")
    repository: str | None = parsed_default("repository")
    release_tag_pattern: str = parsed_default("release-tag-pattern")
    packages_dir: Path = parsed_default("packages-dir")
    verify_metadata: MetadataCheck = parsed_default("verify-metadata")
    skip_existing: bool = parsed_default("skip-existing")
    verbose: bool = parsed_default("verbose")
    print_hash: bool = parsed_default("print-hash")
    attestations: bool = parsed_default("attestations")
    dry_run: AutoBool = parsed_default("dry-run")
    allow_untrusted_events: bool = parsed_default("allow-untrusted-events")
    allow_http: bool = parsed_default("allow-http")
    build: BuildChoice = parsed_default("build")
    project_dir: Path = parsed_default("project-dir")
    check_tag: AutoBool = parsed_default("check-tag")
    max_file_size: int = parsed_default("max-file-size")
    concurrency: int = parsed_default("concurrency")
    verify_upload: bool = parsed_default("verify-upload")
    sigstore_trust_config: Path | None = parsed_default("sigstore-trust-config")
    doctor: Literal["warn", "error", "off"] = parsed_default("doctor")
    audit: Literal["warn", "error", "off"] = parsed_default("audit")
    audit_ignore: tuple[str, ...] = parsed_default("audit-ignore")
    github_release: Literal["false", "true", "draft"] = parsed_default("github-release")
    github_token: Secret | None = parsed_default("github-token")
    python: str | None = parsed_default("python")
    # PY_RELEASE_SANDBOX_* stand-ins for PyPI and TestPyPI (rehearsals under act); empty
    # elsewhere.
    sandbox: SandboxRoutes = field(default_factory=SandboxRoutes)
    warnings: tuple[str, ...] = field(default=(), compare=False)


def field_name(name: str) -> str:
    """The ``Config`` field of an input."""
    return name.replace("-", "_")


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


def _plain_http_errors(values: Mapping[str, Any]) -> list[InputError]:
    """A plain-http upload URL off this machine sends the password in clear: refused unless
    allow-http says so."""
    if values.get("allow_http"):
        return []
    errors = []
    for name in ("repository-url", "repository"):
        url = values.get(field_name(name))
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            errors.append(
                InputError(
                    name,
                    f"'{url}' is plain http to {parts.hostname}: the password and the files "
                    "would cross the network unencrypted",
                    "use the index's https URL; if the network between is yours and http is "
                    "meant, set allow-http: true",
                )
            )
    return errors


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
    # Any: each value has its parser's type, which a test checks against Config's field.
    values: dict[str, Any] = {}
    for spec in INPUTS:
        try:
            values[field_name(spec.name)] = spec.parse(spec.name, raw[spec.name])
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
    errors += _plain_http_errors(values)
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
    return Config(warnings=tuple(warnings), sandbox=sandbox, **values)
