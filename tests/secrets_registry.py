"""Every secret the suite hands out is registered here, and everything captured is scanned
for them: pytest's captured output of every test (by the hook in conftest.py) and whatever a
test reads from a subprocess, an outputs file, a summary or a log (``assert_no_secrets``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py_release.sandbox.session import Sandbox

_SECRETS: set[str] = set()


def register_secret(value: str) -> str:
    if value:
        _SECRETS.add(value)
    return value


def register_sandbox_tokens(sandbox: Sandbox) -> None:
    """The tokens a sandbox made while a test ran: its issuer's ID tokens and the upload tokens
    its PyPI and TestPyPI stand-ins minted, and its GitHub API stand-in's job token (register
    them after the run, before the scan)."""
    for token in sandbox.issuer.issued:
        register_secret(token)
    for index in (sandbox.warehouse, sandbox.testpypi):
        for minted in index.minted if index is not None else []:
            register_secret(minted.reveal())
    if sandbox.github is not None:
        register_secret(sandbox.github.token.reveal())


def registered_secrets() -> frozenset[str]:
    return frozenset(_SECRETS)


def _visible(text: str) -> str:
    # The runner consumes ::add-mask:: commands and never shows them; that line is the one
    # place a secret must appear, so it is the one place the scan does not look.
    return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


def leaked_in(text: str) -> list[str]:
    visible = _visible(text)
    return [f"{secret[:3]}…" for secret in _SECRETS if secret in visible]


def assert_masked_first(stdout: str, secret: str) -> None:
    """The secret's ::add-mask:: command is the very first line written to stdout."""
    first = stdout.splitlines()[0] if stdout else ""
    assert first == f"::add-mask::{secret}", "the secret was not masked before other output"


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
