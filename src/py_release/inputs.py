"""The table of inputs: one row per input, shared by the config parser, the CLI and the tests
that keep ``action.yml`` in step with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InputKind = Literal["text", "secret", "bool", "auto-bool", "size", "path", "count", "choice"]


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: str
    kind: InputKind
    description: str
    # Deprecated snake_case spelling kept by pypa/gh-action-pypi-publish.
    alias: str | None = None
    # The values a "choice" input takes.
    choices: tuple[str, ...] = ()
    # action.yml's default when it is a GitHub expression the CLI cannot evaluate.
    action_default: str | None = None


INPUTS: tuple[InputSpec, ...] = (
    InputSpec("user", "__token__", "text", "Username for the index; `__token__` for API tokens."),
    InputSpec(
        "password",
        "",
        "secret",
        "Password or API token for the index. Leave empty to use Trusted Publishing.",
    ),
    InputSpec(
        "repository-url",
        "https://upload.pypi.org/legacy/",
        "text",
        "Upload endpoint of the index.",
        alias="repository_url",
    ),
    InputSpec(
        "repository",
        "",
        "text",
        "Where to publish: pypi, testpypi, an upload URL, or auto (PyPI on a release tag, "
        "TestPyPI on other pushes, a dry run in pull requests). Empty: repository-url.",
    ),
    InputSpec(
        "release-tag-pattern",
        r"^v[0-9]+\.[0-9]+\.[0-9]+(-(a|b|rc|alpha|beta)\.?[0-9]+)?$",
        "text",
        "Regular expression a tag must match to go to PyPI with repository: auto.",
    ),
    InputSpec(
        "packages-dir",
        "dist",
        "path",
        "Folder holding the distributions to upload (and where built ones are put).",
        alias="packages_dir",
    ),
    InputSpec(
        "verify-metadata",
        "true",
        "bool",
        "Check the metadata of every distribution (strict `twine check`) before uploading.",
        alias="verify_metadata",
    ),
    InputSpec(
        "skip-existing",
        "false",
        "bool",
        "Leave out files the index already has instead of failing.",
        alias="skip_existing",
    ),
    InputSpec("verbose", "true", "bool", "Log more detail."),
    InputSpec(
        "print-hash",
        "true",
        "bool",
        "Print the SHA256, MD5 and BLAKE2-256 hashes of each file.",
        alias="print_hash",
    ),
    InputSpec(
        "attestations",
        "true",
        "bool",
        "Sign PEP 740 attestations for each file (needs Trusted Publishing).",
    ),
    InputSpec(
        "dry-run",
        "auto",
        "auto-bool",
        "Do everything but the upload. `auto`: dry run for pull_request, pull_request_target "
        "and merge_group events.",
    ),
    InputSpec(
        "build",
        "auto",
        "auto-bool",
        "Build the sdist and wheel. `auto`: build when packages-dir holds no distributions.",
    ),
    InputSpec("project-dir", ".", "path", "The project to build (the folder of pyproject.toml)."),
    InputSpec(
        "check-tag",
        "auto",
        "auto-bool",
        "Require the pushed tag to equal the version. `auto`: when the run is for a tag.",
    ),
    InputSpec(
        "concurrency",
        "4",
        "count",
        "How many files to upload at once (1 = one after another).",
    ),
    InputSpec(
        "max-file-size",
        "100MiB",
        "size",
        "Largest file the index accepts (PyPI: 100MiB unless your project has a raised limit).",
    ),
    InputSpec(
        "verify-upload",
        "true",
        "bool",
        "After the upload, read the files back from the index and compare their hashes.",
    ),
    InputSpec(
        "sigstore-trust-config",
        "",
        "text",
        "ClientTrustConfig JSON of a private Sigstore to sign and verify with; empty: the public "
        "Sigstore.",
    ),
    InputSpec(
        "doctor",
        "warn",
        "choice",
        "Audit the running workflow against the release checklist first (py-release doctor): "
        "warn reports findings in the summary, error stops the release on a failed check, off "
        "skips it.",
        choices=("warn", "error", "off"),
    ),
    InputSpec(
        "github-release",
        "false",
        "choice",
        "On a tag, after the upload, create or update the GitHub Release with the files and "
        "their attestations as assets: true, draft (a draft release), or false.",
        choices=("false", "true", "draft"),
    ),
    InputSpec(
        "github-token",
        "",
        "secret",
        "Token for the GitHub Release (needs `contents: write`); by default the token of the job.",
        action_default="${{ github.token }}",
    ),
    InputSpec(
        "python",
        "",
        "text",
        "Python (3.11+) that runs the action; found on the runner when empty.",
    ),
)

INPUTS_BY_NAME: dict[str, InputSpec] = {spec.name: spec for spec in INPUTS}
