"""Real servers and real builds for the integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from py_release.distributions.build import build_distributions
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from tests.helpers import copy_sample
from tests.pypiserver import PypiServer
from tests.secrets_registry import register_secret
from tests.unit.artefacts import make_pair


@pytest.fixture
def pypiserver(tmp_path: Path) -> Iterator[PypiServer]:
    """A fresh pypiserver on loopback, with an htpasswd user, for one test."""
    with PypiServer(root=tmp_path / "index") as server:
        register_secret(server.password.reveal())
        yield server


@pytest.fixture(scope="session")
def sample_dists(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample project built once (sdist, then wheel from it) for the session."""
    root = tmp_path_factory.mktemp("sample-build")
    project = copy_sample(root)
    sdist, wheel = build_distributions(project, root / "dist", verbose=False, log=lambda _: None)
    return [sdist.path, wheel.path]


@pytest.fixture
def packages_dir(tmp_path: Path, sample_dists: list[Path]) -> Path:
    """A packages-dir holding copies of the sample's built distributions."""
    folder = tmp_path / "dist"
    folder.mkdir()
    for dist in sample_dists:
        shutil.copy2(dist, folder / dist.name)
    return folder


@pytest.fixture(scope="module")
def shared_issuer() -> Iterator[GitHubIssuer]:
    # One issuer (one RSA key) for a module keeps it fast; ``issuer`` resets it for each test.
    with GitHubIssuer() as running:
        register_secret(running.request_token.reveal())
        yield running


@pytest.fixture
def issuer(shared_issuer: GitHubIssuer) -> Iterator[GitHubIssuer]:
    """The module's issuer with the default identity and lifetime; every ID token it issued
    during the test is registered as a secret (none may reach the output)."""
    shared_issuer.identity = JobIdentity()
    shared_issuer.token_lifetime = 300
    yield shared_issuer
    for token in shared_issuer.issued:
        register_secret(token)


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A valid sdist and wheel of py-release-sample 1.0.0 (made by hand, not built)."""
    return make_pair(tmp_path_factory.mktemp("dists"))
