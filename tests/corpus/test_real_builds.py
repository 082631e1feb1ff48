"""The action's own builds of real projects: sdists PyPI serves (pinned in ``releases.json``),
unpacked as a checkout and released by the CLI as the action runs it, in a dry run against a
real pypiserver. What our own build makes of other people's projects must pass our own check,
across backends, including a build pinned to a setuptools older than 77 (License-File in
Metadata-Version 2.1/2.2). A compiled project built on plain Linux is refused for its platform
tag before anything is signed, and ``build: sdist`` is the fix that passes.
"""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from tests.corpus.test_real_releases import RELEASES, _fetch
from tests.helpers import CliRun, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import (
    assert_no_secrets,
    register_sandbox_tokens,
    register_secret,
)

pytestmark = pytest.mark.slow

# One project per backend, small enough to build in seconds; all pure Python.
PURE = [
    ("six", "1.17.0"),  # setup.py alone: build's fallback to setuptools' legacy backend
    ("idna", "3.20"),  # flit-core
    ("attrs", "26.1.0"),  # hatchling with hatch-vcs and hatch-fancy-pypi-readme
    ("rich", "15.0.0"),  # poetry-core
    ("unearth", "0.19.0"),  # pdm-backend
]


def _sdist(project: str, version: str) -> Path:
    (release,) = [r for r in RELEASES if r["project"] == project and r["version"] == version]
    (sdist,) = [f for f in release["files"] if f["filename"].endswith(".tar.gz")]
    return _fetch(sdist)


def _checkout(project: str, version: str, into: Path) -> Path:
    """The sdist unpacked: a checkout as the action sees one (PKG-INFO gives SCM-versioned
    projects their version)."""
    with tarfile.open(_sdist(project, version)) as archive:
        archive.extractall(into, filter="data")
    (top,) = into.iterdir()
    return top


@pytest.fixture(scope="module")
def index() -> Iterator[PypiServer]:
    with PypiServer() as server:
        register_secret(server.password.reveal())
        yield server


def _dry_run(checkout: Path, index: PypiServer, tmp_path: Path, *flags: str) -> CliRun:
    run = run_cli(
        ["publish", "--project-dir", str(checkout), "--packages-dir", str(tmp_path / "dist"),
         "--repository-url", index.url, "--user", index.user, "--dry-run", "true",
         "--doctor", "off", *flags],
        tmp_path,
        {"INPUT_PASSWORD": index.password.reveal()},
    )  # fmt: skip
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))
    return run


def _built(run: CliRun) -> list[str]:
    return sorted(entry["name"] for entry in json.loads(run.outputs["files"]))


@pytest.mark.parametrize(("project", "version"), PURE, ids=[p for p, _ in PURE])
def test_a_real_project_built_by_the_action_passes(
    project: str, version: str, index: PypiServer, tmp_path: Path
) -> None:
    checkout = _checkout(project, version, tmp_path / "checkout")

    run = _dry_run(checkout, index, tmp_path, "--build", "true")

    assert run.returncode == 0, run.log
    built = _built(run)
    assert len(built) == 2
    assert built[0].endswith("-none-any.whl")
    assert built[1].endswith(".tar.gz")
    assert f"{project} {version}: all 2 files pass" in run.stdout
    assert "| check | ✅ done |" in run.summary


def test_a_build_pinned_to_setuptools_older_than_77_passes(
    index: PypiServer, tmp_path: Path
) -> None:
    checkout = _checkout("requests", "2.32.3", tmp_path / "checkout")
    pyproject = checkout / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert "[build-system]" not in text  # requests 2.32.3 builds with setup.py alone
    pin = '[build-system]\nrequires = ["setuptools<77"]\nbuild-backend = "setuptools.build_meta"\n'
    pyproject.write_text(pin + "\n" + text, encoding="utf-8")

    run = _dry_run(checkout, index, tmp_path, "--build", "true")

    assert run.returncode == 0, run.log
    wheel = tmp_path / "dist" / "requests-2.32.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as built:
        metadata = built.read("requests-2.32.3.dist-info/METADATA").decode()
    # What the old setuptools writes, and what PyPI accepts from it.
    assert re.search(r"^Metadata-Version: 2\.[12]$", metadata, re.M), metadata[:200]
    assert re.search(r"^License-File: LICENSE$", metadata, re.M)
    assert "requests 2.32.3: all 2 files pass" in run.stdout


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    identity = JobIdentity(repository="pallets/markupsafe", ref="refs/tags/3.0.4")
    with start_sandbox(identity, "markupsafe") as running:
        register_secret(running.issuer.request_token.reveal())
        yield running


def test_a_compiled_project_built_on_plain_linux_is_refused_before_signing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    checkout = _checkout("markupsafe", "3.0.4", tmp_path / "checkout")
    assert sandbox.sigstore is not None
    environ = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/tags/3.0.4",
        "GITHUB_REPOSITORY": "pallets/markupsafe",
        "GITHUB_WORKFLOW_REF": "pallets/markupsafe/.github/workflows/release.yml@refs/tags/3.0.4",
        **sandbox.issuer.env(),
    }
    flags = ["publish", "--project-dir", str(checkout), "--packages-dir", str(tmp_path / "dist"),
             "--repository-url", sandbox.warehouse.upload_url, "--doctor", "off",
             "--sigstore-trust-config", str(sandbox.sigstore.trust_config_path)]  # fmt: skip

    run = run_cli([*flags, "--build", "auto"], tmp_path, environ)
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))

    assert run.returncode == 1, run.log
    assert re.search(r"markupsafe-3\.0\.4-cp\d+-cp\d+-linux_\w+\.whl", run.stderr), run.log
    assert "unsupported platform tag 'linux_" in run.stderr
    assert "cibuildwheel" in run.stderr
    assert "build: sdist" in run.stderr
    assert sandbox.sigstore.entries == 0
    assert sandbox.warehouse.uploads == []
    assert list((tmp_path / "dist").glob("*.publish.attestation")) == []

    (tmp_path / "sdist-only").mkdir()
    sdist_only = run_cli(
        [*flags, "--build", "sdist", "--packages-dir", str(tmp_path / "sdist-only" / "dist")],
        tmp_path / "sdist-only",
        environ,
    )
    register_sandbox_tokens(sandbox)
    assert_no_secrets(sdist_only.stdout, sdist_only.stderr, sdist_only.summary)
    assert sdist_only.returncode == 0, sdist_only.log
    assert _built(sdist_only) == ["markupsafe-3.0.4.tar.gz"]
    assert sandbox.warehouse.files("markupsafe").keys() == {"markupsafe-3.0.4.tar.gz"}
    assert sandbox.sigstore.entries == 1
