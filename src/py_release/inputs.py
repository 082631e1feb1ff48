"""The table of inputs: one row per input, with its default and its parser — the one place
either is written. Shared by the config parser, the CLI and the tests that keep ``action.yml``,
the README and ``Config`` in step with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from py_release.index.repositories import PYPI_UPLOAD_URL
from py_release.parsers import (
    Parser,
    parse_auto_bool,
    parse_bool,
    parse_choice,
    parse_count,
    parse_folder,
    parse_optional_path,
    parse_optional_text,
    parse_pattern,
    parse_repository,
    parse_repository_url,
    parse_secret,
    parse_size,
    parse_text,
    parse_vulnerability_ids,
)

InputKind = Literal[
    "text", "secret", "bool", "auto-bool", "size", "path", "count", "choice", "list"
]


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: str
    kind: InputKind
    description: str
    # (input name, raw text) -> the value Config holds; raises InputError.
    parse: Parser
    # Deprecated snake_case spelling kept by pypa/gh-action-pypi-publish.
    alias: str | None = None
    # The values a "choice" input takes.
    choices: tuple[str, ...] = ()
    # action.yml's default when it is a GitHub expression the CLI cannot evaluate.
    action_default: str | None = None


def _choice(name: str, default: str, description: str, choices: tuple[str, ...]) -> InputSpec:
    return InputSpec(name, default, "choice", description, parse_choice(choices), choices=choices)


INPUTS: tuple[InputSpec, ...] = (
    InputSpec(
        "user",
        "__token__",
        "text",
        "Username for the index; `__token__` for API tokens.",
        parse=parse_text,
    ),
    InputSpec(
        "password",
        "",
        "secret",
        "Password or API token for the index. Leave empty to use Trusted Publishing.",
        parse=parse_secret,
    ),
    InputSpec(
        "repository-url",
        PYPI_UPLOAD_URL,
        "text",
        "Upload endpoint of the index.",
        parse=parse_repository_url,
        alias="repository_url",
    ),
    InputSpec(
        "repository",
        "",
        "text",
        "Where to publish: pypi, testpypi, an upload URL, or auto (PyPI on a release tag, "
        "TestPyPI on other pushes, a dry run in pull requests). Empty: repository-url.",
        parse=parse_repository,
    ),
    InputSpec(
        "release-tag-pattern",
        r"^v[0-9]+\.[0-9]+\.[0-9]+(-(a|b|rc|alpha|beta)\.?[0-9]+)?$",
        "text",
        "Regular expression a tag must match to go to PyPI with repository: auto.",
        parse=parse_pattern,
    ),
    InputSpec(
        "packages-dir",
        "dist",
        "path",
        "Folder holding the distributions to upload (and where built ones are put).",
        parse=parse_folder,
        alias="packages_dir",
    ),
    InputSpec(
        "verify-metadata",
        "true",
        "choice",
        "Check each file's metadata and description as PyPI will. `strict`: twine check "
        "--strict's warnings (no description, no content type) fail the release too; `false`: "
        "the description is not rendered.",
        parse=parse_choice(("true", "false", "strict")),
        alias="verify_metadata",
        choices=("true", "false", "strict"),
    ),
    InputSpec(
        "skip-existing",
        "false",
        "bool",
        "Leave out files the index already has instead of failing.",
        parse=parse_bool,
        alias="skip_existing",
    ),
    InputSpec("verbose", "true", "bool", "Log more detail.", parse=parse_bool),
    InputSpec(
        "print-hash",
        "true",
        "bool",
        "Print the SHA256, MD5 and BLAKE2-256 hashes of each file.",
        parse=parse_bool,
        alias="print_hash",
    ),
    InputSpec(
        "attestations",
        "true",
        "bool",
        "Sign PEP 740 attestations for each file (needs Trusted Publishing).",
        parse=parse_bool,
    ),
    InputSpec(
        "dry-run",
        "auto",
        "auto-bool",
        "Do everything but the upload. `auto`: dry run for pull_request, pull_request_target "
        "and merge_group events.",
        parse=parse_auto_bool,
    ),
    InputSpec(
        "allow-http",
        "false",
        "bool",
        "Allow a plain http repository-url on a host other than this machine: the password "
        "and the files then cross the network unencrypted. Loopback is always allowed.",
        parse=parse_bool,
    ),
    InputSpec(
        "allow-untrusted-events",
        "false",
        "bool",
        "Publish from events that run code or data a fork controls (pull_request_target, "
        "workflow_run, a pull request from a fork). Off: such runs are dry runs, and "
        "dry-run: false there is an error.",
        parse=parse_bool,
    ),
    _choice(
        "build",
        "auto",
        "Build the sdist and wheel. `auto`: build when packages-dir holds no distributions; "
        "`sdist` or `wheel`: build only that one.",
        ("auto", "true", "false", "sdist", "wheel"),
    ),
    InputSpec(
        "project-dir",
        ".",
        "path",
        "The project to build (the folder of pyproject.toml).",
        parse=parse_folder,
    ),
    InputSpec(
        "check-tag",
        "auto",
        "auto-bool",
        "Require the pushed tag to equal the version. `auto`: when the run is for a tag.",
        parse=parse_auto_bool,
    ),
    InputSpec(
        "concurrency",
        # Measured in bench/p2_upload.py (BENCHMARKS.md, P2): against an index 300 ms away,
        # 8 at a time takes 28% less than 4; past 8 the gain shrinks at 300 ms and is none
        # at 50 ms.
        "8",
        "count",
        "How many files to upload at once (1 = one after another).",
        parse=parse_count,
    ),
    InputSpec(
        "max-file-size",
        "100MiB",
        "size",
        "Largest file the index accepts (PyPI: 100MiB unless your project has a raised limit).",
        parse=parse_size,
    ),
    InputSpec(
        "verify-upload",
        "true",
        "bool",
        "After the upload, read the files back from the index and compare their hashes.",
        parse=parse_bool,
    ),
    InputSpec(
        "sigstore-trust-config",
        "",
        "text",
        "ClientTrustConfig JSON of a private Sigstore to sign and verify with; empty: the public "
        "Sigstore.",
        parse=parse_optional_path,
    ),
    _choice(
        "doctor",
        "warn",
        "Audit the running workflow against the release checklist first (py-release doctor): "
        "warn reports findings in the summary, error stops the release on a failed check, off "
        "skips it.",
        ("warn", "error", "off"),
    ),
    _choice(
        "audit",
        "warn",
        "Check the release's dependencies (the wheel's Requires-Dist, at the newest version each "
        "range allows) and py-release's own for known vulnerabilities (PyPI's advisory data), "
        "after the check and before signing: warn lists findings in the summary, error stops "
        "the release on one, off skips it.",
        ("warn", "error", "off"),
    ),
    InputSpec(
        "audit-ignore",
        "",
        "list",
        "Vulnerability ids (or aliases) the audit lists as ignored instead of failing on, "
        "separated by commas or new lines, e.g. `PYSEC-2024-1, GHSA-xxxx-xxxx-xxxx`.",
        parse=parse_vulnerability_ids,
    ),
    _choice(
        "github-release",
        "false",
        "On a tag, after the upload, create or update the GitHub Release with the files and "
        "their attestations as assets: true, draft (a draft release), or false.",
        ("false", "true", "draft"),
    ),
    InputSpec(
        "github-token",
        "",
        "secret",
        "Token for the GitHub Release (needs `contents: write`); by default the token of the job.",
        parse=parse_secret,
        action_default="${{ github.token }}",
    ),
    InputSpec(
        "python",
        "",
        "text",
        "Python (3.11+) that runs the action; found on the runner when empty.",
        parse=parse_optional_text,
    ),
)

INPUTS_BY_NAME: dict[str, InputSpec] = {spec.name: spec for spec in INPUTS}


def parsed_default(name: str) -> Any:
    """The value ``Config`` holds for an input left unset: its default, parsed by its parser.

    ``Any`` because each input's type is its parser's; a test checks that every ``Config``
    field's type is what its parser returns.
    """
    spec = INPUTS_BY_NAME[name]
    return spec.parse(spec.name, spec.default)
