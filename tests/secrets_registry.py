"""Every secret the suite hands out is registered here, and everything captured is scanned
for them: pytest's captured output of every test (by the hook in conftest.py) and whatever a
test reads from a subprocess, an outputs file, a summary or a log (``assert_no_secrets``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_SECRETS: set[str] = set()


def register_secret(value: str) -> str:
    if value:
        _SECRETS.add(value)
    return value


def registered_secrets() -> frozenset[str]:
    return frozenset(_SECRETS)


def leaked_in(text: str) -> list[str]:
    return [f"{secret[:3]}…" for secret in _SECRETS if secret in text]


def assert_no_secrets(*captured: str | Path | Iterable[str]) -> None:
    """Fail if any registered secret appears in the texts or files given."""
    for item in captured:
        if isinstance(item, Path):
            texts: Iterable[str] = [item.read_text(errors="replace")] if item.exists() else []
        elif isinstance(item, str):
            texts = [item]
        else:
            texts = item
        for text in texts:
            leaks = leaked_in(text)
            assert not leaks, f"a secret leaked into captured output: {leaks}"
