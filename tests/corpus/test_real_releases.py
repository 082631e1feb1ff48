"""The check against the world: the files PyPI serves for 37 releases of widely used projects
(every build backend, manylinux, musllinux, macOS, Windows and pure wheels), each of which PyPI
accepted, must pass. ``releases.json`` pins each file by sha256 (``pick.py`` refreshes it); the
files are downloaded once into a cache that outlives the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from py_release.distributions.check import CheckOptions, check_distributions
from py_release.distributions.files import DistFile

RELEASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "releases.json").read_text(encoding="utf-8")
)
CACHE = Path(
    os.environ.get(
        "PY_RELEASE_CORPUS_CACHE", Path.home() / ".cache" / "py-release-tests" / "corpus"
    )
)

pytestmark = pytest.mark.slow

# Releases uploaded before PyPI enforced normalised file names (PEP 625 for sdists in 2024,
# PEP 427's escaping for wheels later): PyPI serves them, and would refuse them today, for
# that rule and no other.
RENAMED_SINCE = {
    "python-dateutil-2.9.0.post0": "Filename 'python-dateutil-2.9.0.post0.tar.gz' is invalid, "
    "should be 'python_dateutil-2.9.0.post0.tar.gz'.",
    "markupsafe-2.1.5": "should contain the normalized project name 'markupsafe', "
    "not 'MarkupSafe'.",
}


def _fetch(file: dict[str, str]) -> Path:
    target = CACHE / file["sha256"][:2] / file["filename"]
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == file["sha256"]:
        return target
    answer = requests.get(file["url"], timeout=120)
    answer.raise_for_status()
    if hashlib.sha256(answer.content).hexdigest() != file["sha256"]:
        raise AssertionError(f"{file['filename']}: PyPI served other bytes than releases.json pins")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(answer.content)
    partial.replace(target)
    return target


@pytest.fixture(scope="module")
def downloaded() -> dict[str, list[Path]]:
    files = [file for release in RELEASES for file in release["files"]]
    with ThreadPoolExecutor(8) as pool:
        paths = dict(zip((f["filename"] for f in files), pool.map(_fetch, files), strict=True))
    return {
        f"{r['project']}-{r['version']}": [paths[f["filename"]] for f in r["files"]]
        for r in RELEASES
    }


def test_the_corpus_covers_what_it_claims() -> None:
    assert len(RELEASES) >= 30
    backends = " ".join(r["backend"] for r in RELEASES)
    for backend in ("setuptools < 77", "flit", "hatchling", "poetry-core", "pdm-backend",
                    "scikit-build-core", "meson-python", "maturin"):  # fmt: skip
        assert backend in backends
    names = [f["filename"] for r in RELEASES for f in r["files"]]
    for platform in ("manylinux", "musllinux", "macosx", "win_amd64", "-none-any.whl", ".tar.gz"):
        assert any(platform in name for name in names), platform


CURRENT = [f"{r['project']}-{r['version']}" for r in RELEASES]


@pytest.mark.parametrize("release", [r for r in CURRENT if r not in RENAMED_SINCE])
def test_every_file_pypi_accepted_passes(release: str, downloaded: dict[str, list[Path]]) -> None:
    dists = [DistFile(path) for path in downloaded[release]]
    report = check_distributions(dists, CheckOptions(refuse_local_versions=True))
    assert [str(p) for p in report.problems] == []
    assert len(report.checked) == len(dists)


@pytest.mark.parametrize("release", sorted(RENAMED_SINCE))
def test_old_file_names_are_refused_for_that_rule_alone(
    release: str, downloaded: dict[str, list[Path]]
) -> None:
    dists = [DistFile(path) for path in downloaded[release]]
    report = check_distributions(dists, CheckOptions(refuse_local_versions=True))
    assert report.problems
    for problem in report.problems:
        assert problem.by == "PyPI"
        assert "Filename" in problem.message, problem
    assert any(RENAMED_SINCE[release] in p.message for p in report.problems)
    # The files themselves are sound: no archive, metadata or installer problem.
    assert {p.file for p in report.problems} <= {d.name for d in dists}
