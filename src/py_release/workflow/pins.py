"""The actions ``py-release init`` writes into workflows, each pinned by commit SHA.

One table, so a refresh is one edit. To refresh a GitHub action's pin, take the newest release
tag and the commit it points at:

    git ls-remote --tags https://github.com/actions/checkout | sort -k2 -V | tail -3

(the ``^{}`` line is the commit of an annotated tag), then write the SHA and the tag here. The
project's own ``.github/workflows/release.yml`` is generated from this table, and a unit test
regenerates it, so after a refresh run ``py-release init --force`` in the repository root too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Pin:
    action: str  # owner/name
    sha: str  # the commit the tag pointed at when the pin was taken
    version: str  # the tag, written as the comment after the SHA

    def __post_init__(self) -> None:
        if not _SHA.fullmatch(self.sha):
            raise ValueError(f"{self.action}: {self.sha!r} is not a 40-hex commit SHA")

    @property
    def uses(self) -> str:
        """The ``uses:`` value with its version comment: ``owner/name@<sha> # v1.2.3``."""
        return f"{self.action}@{self.sha} # {self.version}"


CHECKOUT = Pin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1")
UPLOAD_ARTIFACT = Pin(
    "actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"
)
DOWNLOAD_ARTIFACT = Pin(
    "actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"
)
CIBUILDWHEEL = Pin("pypa/cibuildwheel", "1828c10ab37f080699c7b81cea34097c684a7074", "v4.2.0")
SETUP_PYTHON = Pin("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0")

# This action. Its repository name is the one the README's examples use until the action is
# published under its final name. The SHA is a commit of this repository's own history (main)
# with every input and stage the generated workflows use (repository: pypi/testpypi, build
# false/sdist, dry-run, packages-dir with artifact folders, skip-existing, github-release, the
# audit stage). No release tag
# exists yet, so the comment says so instead of naming one. It is a table entry, not the HEAD
# of whatever checkout `init` runs from, so the same command writes the same file everywhere
# (and the test that keeps .github/workflows/release.yml in step with `init` can hold); a test
# checks that it is a commit of this repository. Bump it on each release:
# `git rev-parse v<version>^{commit}`.
ACTION_REPOSITORY = "org/py-release-action"
ACTION = Pin(ACTION_REPOSITORY, "593a6c273eb1ea652c2f7d043e862cdc620dbf7d", "0.1.0, untagged")

PINS: tuple[Pin, ...] = (
    CHECKOUT, UPLOAD_ARTIFACT, DOWNLOAD_ARTIFACT, CIBUILDWHEEL, SETUP_PYTHON, ACTION
)  # fmt: skip
