"""The workflow `py-release init --github-release` writes, run unmodified by act against
`py-release sandbox` (tests/e2e/init_act.py): a push of v1.0.0 publishes the files to the PyPI
stand-in and makes the GitHub Release of the tag on the sandbox's GitHub API stand-in, with
the job token act got from the sandbox's secret file as `${{ github.token }}`. A second run
for the same tag must upload nothing twice, and keep the attestations the index holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from pypi_attestations import Attestation, Provenance

from tests.e2e.act import ActRun
from tests.e2e.init_act import jobs_that_ran, project_with_init, run_init_workflow
from tests.e2e.sandbox_act import PROJECT, sandbox_process

pytestmark = pytest.mark.slow

REPOSITORY = "octo-org/sample-project"
TAG = "v1.0.0"
REF = f"refs/tags/{TAG}"
FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}
ATTESTATIONS = {f"{name}.publish.attestation" for name in FILES}
# The release's CycloneDX SBOM: written by the build job beside the files, handed over with them.
SBOM = "py_release_sample-1.0.0.cdx.json"


class GitHub:
    """The sandbox's GitHub API stand-in, read as a client with the job's token reads it."""

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def release(self, tag: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.api_url}/repos/{REPOSITORY}/releases/tags/{tag}",
            headers=self.headers,
            timeout=10,
        )
        assert response.status_code == 200, response.text
        release: dict[str, Any] = response.json()
        return release

    def download(self, asset: dict[str, Any]) -> bytes:
        response = requests.get(
            asset["url"],
            headers={**self.headers, "Accept": "application/octet-stream"},
            timeout=10,
        )
        response.raise_for_status()
        return response.content


class PyPI:
    """The sandbox's PyPI stand-in, read as pip and the integrity API's clients read it."""

    def __init__(self, upload_url: str) -> None:
        self.simple_url = upload_url.replace("/legacy/", "/simple/")

    def files(self) -> dict[str, dict[str, Any]]:
        response = requests.get(
            f"{self.simple_url}{PROJECT}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
            timeout=10,
        )
        response.raise_for_status()
        return {f["filename"]: f for f in response.json()["files"]}

    def file_bytes(self, entry: dict[str, Any]) -> bytes:
        response = requests.get(entry["url"], timeout=10)
        response.raise_for_status()
        return response.content

    def attestation(self, entry: dict[str, Any]) -> Attestation:
        """The one attestation the index's provenance holds for the file."""
        response = requests.get(
            entry["provenance"],
            headers={"Accept": "application/vnd.pypi.integrity.v1+json"},
            timeout=10,
        )
        response.raise_for_status()
        provenance = Provenance.model_validate_json(response.content)
        (bundle,) = provenance.attestation_bundles
        (attestation,) = bundle.attestations
        return attestation


@dataclass
class Rehearsal:
    """One sandbox for the module, the first act run's results, and how to run act again."""

    project: Path
    work: Path
    cache: Path
    sandbox: dict[str, str]
    first: ActRun
    release: dict[str, Any]  # the GitHub Release after the first run
    github: GitHub
    pypi: PyPI

    def run_again(self) -> ActRun:
        """The workflow run again for the same tag, as a re-run of the job: a fresh workspace
        and artifacts, the same stand-ins."""
        return run_init_workflow(self.project, self.work / "second", self.sandbox, REF, self.cache)


@pytest.fixture(scope="module")
def rehearsal(
    tmp_path_factory: pytest.TempPathFactory, bootstrap_cache: Path
) -> Iterator[Rehearsal]:
    work = tmp_path_factory.mktemp("github-release")
    project, _ = project_with_init(work, "--github-release")
    with sandbox_process(work, REF) as sandbox:
        github = GitHub(sandbox["GITHUB_API_URL"], sandbox["GITHUB_TOKEN"])
        pypi = PyPI(sandbox["PY_RELEASE_SANDBOX_PYPI"])
        first = run_init_workflow(project, work / "first", sandbox, REF, bootstrap_cache)
        assert first.returncode == 0, first.log[-8000:]
        release = github.release(TAG)
        yield Rehearsal(project, work, bootstrap_cache, sandbox, first, release, github, pypi)


def test_a_release_tag_makes_the_github_release_with_what_the_index_holds(
    rehearsal: Rehearsal,
) -> None:
    run, release = rehearsal.first, rehearsal.release
    pypi, github = rehearsal.pypi, rehearsal.github

    assert jobs_that_ran(run.log) == {"Build and check", "Publish to PyPI"}
    on_index = pypi.files()
    assert set(on_index) == FILES
    assert (release["draft"], release["prerelease"]) == (False, False)
    assets = {asset["name"]: asset for asset in release["assets"]}
    assert set(assets) == FILES | ATTESTATIONS | {SBOM}
    sbom = json.loads(github.download(assets[SBOM]))
    described = {
        c["name"]: {h["alg"]: h["content"] for h in c["hashes"]}
        for c in sbom["metadata"]["component"]["components"]
    }
    for name in FILES:
        held = pypi.file_bytes(on_index[name])
        attached = github.download(assets[name])
        assert attached == held
        assert assets[name]["digest"] == f"sha256:{hashlib.sha256(held).hexdigest()}"
        assert described[name]["SHA-256"] == hashlib.sha256(held).hexdigest()
        # The index keeps an attestation as a parsed object (its provenance), not as the
        # uploaded bytes: the asset must be that same attestation.
        attestation = github.download(assets[f"{name}.publish.attestation"])
        assert Attestation.model_validate_json(attestation) == pypi.attestation(on_index[name])
    web = rehearsal.sandbox["GITHUB_API_URL"].removesuffix("/api/v3")
    page = release["html_url"]
    assert page == f"{web}/{REPOSITORY}/releases/tag/{TAG}"
    assert f"GitHub Release {TAG} created (published): {page}" in run.log
    assert f"release-url={page}" in run.log


def test_a_second_run_for_the_tag_uploads_nothing_twice(rehearsal: Rehearsal) -> None:
    before = rehearsal.release

    rerun = rehearsal.run_again()

    assert rerun.returncode == 0, rerun.log[-8000:]
    assert set(rehearsal.pypi.files()) == FILES
    assert "2 files are already on the index and will not be sent again" in rerun.log
    after = rehearsal.github.release(TAG)
    assert after["id"] == before["id"]
    assert {(a["name"], a["id"], a["digest"]) for a in after["assets"]} == {
        (a["name"], a["id"], a["digest"]) for a in before["assets"]
    }
    assert f"GitHub Release {TAG} updated (published): {before['html_url']}" in rerun.log
