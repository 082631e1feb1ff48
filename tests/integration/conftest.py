"""Real servers and real builds for the integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from py_release.dist.build import build_distributions
from py_release.sandbox.pypiserver import PypiServer
from tests.helpers import copy_sample
from tests.secrets_registry import register_secret


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
