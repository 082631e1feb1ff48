"""Fixtures every act test shares."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def bootstrap_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv cache for every act run: the first run bootstraps, the others reuse it."""
    return tmp_path_factory.mktemp("bootstrap-cache")
