"""Pick the corpus: the newest release of each project below, its sdist and a few wheels that
cover the platforms it is built for (small ones first), pinned by sha256.

Run from the repository root to refresh it (it asks PyPI's simple API, PEP 691):
    python -m tests.corpus.pick > tests/corpus/releases.json
"""

from __future__ import annotations

import json
import sys

import requests
from packaging.version import InvalidVersion, Version

from py_release.distributions.files import version_in_filename

# (project, its build backend): widely used releases across every backend the issue names.
PROJECTS = [
    ("six", "setuptools (old)"),
    ("python-dateutil", "setuptools (old)"),
    ("pytz", "setuptools (old)"),
    ("requests", "setuptools"),
    ("pyyaml", "setuptools, C extension"),
    ("charset-normalizer", "setuptools, mypyc"),
    ("msgpack", "setuptools, C extension"),
    ("psutil", "setuptools, C extension"),
    ("markupsafe", "setuptools, C extension"),
    ("simplejson", "setuptools, C extension"),
    ("idna", "flit"),
    ("packaging", "flit"),
    ("tomli", "flit"),
    ("typing-extensions", "flit"),
    ("jinja2", "flit"),
    ("click", "flit"),
    ("attrs", "hatchling"),
    ("urllib3", "hatchling"),
    ("black", "hatchling, mypyc"),
    ("jsonschema", "hatchling"),
    ("filelock", "hatchling"),
    ("poetry-core", "poetry-core"),
    ("rich", "poetry-core"),
    ("pdm-backend", "pdm-backend"),
    ("unearth", "pdm-backend"),
    ("ninja", "scikit-build-core"),
    ("pybind11", "scikit-build-core"),
    ("meson-python", "meson-python"),
    ("contourpy", "meson-python"),
    ("rpds-py", "maturin"),
    ("orjson", "maturin"),
    ("pydantic-core", "maturin"),
    ("certifi", "setuptools"),
    # Releases built with setuptools before 77: License-File in Metadata-Version 2.1/2.2.
    ("requests==2.32.3", "setuptools < 77"),
    ("python-dateutil==2.9.0.post0", "setuptools < 77"),
    ("pytz==2024.2", "setuptools < 77"),
    ("markupsafe==2.1.5", "setuptools < 77, C extension"),
]
MAX_BYTES = 6 * 1024 * 1024
PLATFORMS = ("manylinux", "musllinux", "macosx", "win_amd64", "win32", "any")


def _parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None  # legacy versions of long ago ("2004d")


def _pick(pinned: str) -> dict[str, object]:
    project, _, wanted = pinned.partition("==")
    answer = requests.get(
        f"https://pypi.org/simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    answer.raise_for_status()
    data = answer.json()
    if wanted:
        version = Version(wanted)
    else:
        parsed = [_parse(v) for v in data["versions"]]
        version = max(v for v in parsed if v is not None and not v.is_prerelease)
    files = [
        f
        for f in data["files"]
        if version_in_filename(f["filename"]) == version
        and not f.get("yanked")
        and f.get("size", 0) <= MAX_BYTES
        and f["filename"].endswith((".whl", ".tar.gz"))
    ]
    chosen = [f for f in files if f["filename"].endswith(".tar.gz")][:1]
    wheels = sorted((f for f in files if f["filename"].endswith(".whl")), key=lambda f: f["size"])
    for platform in PLATFORMS:
        match = next((w for w in wheels if platform in w["filename"] and w not in chosen), None)
        if match:
            chosen.append(match)
    return {
        "project": project,
        "version": str(version),
        "files": [
            {"filename": f["filename"], "url": f["url"], "sha256": f["hashes"]["sha256"]}
            for f in chosen
        ],
    }


def main() -> None:
    releases = []
    for pinned, backend in PROJECTS:
        release = _pick(pinned)
        release["backend"] = backend
        releases.append(release)
        print(pinned, release["version"], len(release["files"]), file=sys.stderr)  # type: ignore[arg-type]
    json.dump(releases, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
