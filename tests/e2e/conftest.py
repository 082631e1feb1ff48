"""Fixtures every act test shares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sandbox_act import sandbox_process


@pytest.fixture(scope="session")
def bootstrap_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv cache for every act run: the first run bootstraps, the others reuse it."""
    return tmp_path_factory.mktemp("bootstrap-cache")


@pytest.fixture
def sandbox_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`py-release sandbox` running for the test; what it wrote to its --env-file."""
    with sandbox_process(tmp_path) as values:
        yield values
