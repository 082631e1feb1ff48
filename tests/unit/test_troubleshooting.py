"""Every error a user can meet is documented and says how to fix it: each ``ReleaseError``
subclass has a docstring and an entry in the README's Troubleshooting section, its ``more:``
link lands on that entry, and every place that makes one gives it a hint."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import py_release
from py_release.errors import (
    CheckFailed,
    InputError,
    InputErrors,
    Problem,
    ReleaseError,
    troubleshooting_url,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "py_release"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Troubleshooting\n") :].split("\n## ", 1)[0]


def _subclasses() -> dict[str, type[ReleaseError]]:
    for module in pkgutil.walk_packages(py_release.__path__, "py_release."):
        if not module.name.endswith("__main__"):  # running it would run the CLI
            importlib.import_module(module.name)
    found: dict[str, type[ReleaseError]] = {}
    pending: list[type[ReleaseError]] = [ReleaseError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("py_release."):
            found[cls.__name__] = cls
        pending += cls.__subclasses__()
    return found


CLASSES = _subclasses()
# Their own __init__ builds the hint from what they are given; they are constructed below.
BUILD_OWN_HINT = {"CheckFailed", "InputErrors"}


def _made(tree: ast.AST) -> Iterator[ast.Call]:
    """Every ``raise X(...)`` and ``return X(...)`` of a ReleaseError subclass."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise | ast.Return) and isinstance(
            value := node.exc if isinstance(node, ast.Raise) else node.value, ast.Call
        ):
            callee = value.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name in CLASSES and name not in BUILD_OWN_HINT:
                yield value


def _hint(call: ast.Call, name: str) -> ast.expr | None:
    # InputError and SandboxRouteError take (name, message, hint); the others (message, hint).
    position = 2 if issubclass(CLASSES[name], InputError) else 1
    for keyword in call.keywords:
        if keyword.arg == "hint":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def test_the_walk_finds_the_errors() -> None:
    assert {"ReleaseError", "CheckFailed", "TrustedPublishingError", "SigningError"} <= set(CLASSES)
    assert "GitHubPermissionError" in CLASSES
    assert "SandboxRouteError" in CLASSES
    made = [call for path in PACKAGE.rglob("*.py") for call in _made(ast.parse(path.read_text()))]
    assert len(made) > 60, len(made)  # every raise site, not a handful


def test_a_missing_or_empty_hint_is_seen() -> None:
    empty, missing, given = _made(
        ast.parse(
            "def f():\n"
            "    raise UploadError('refused', '')\n"
            "    raise InputError('dry-run', 'bad')\n"
            "    return GitHubReleaseError('x', hint=fix)\n"
        )
    )
    hint = _hint(empty, "UploadError")
    assert isinstance(hint, ast.Constant)
    assert hint.value == ""
    assert _hint(missing, "InputError") is None
    assert isinstance(_hint(given, "GitHubReleaseError"), ast.Name)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_every_error_made_in_the_package_has_a_hint(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in _made(tree):
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        hint = _hint(call, name)
        where = f"{path.relative_to(ROOT)}:{call.lineno} {name}"
        assert hint is not None, f"{where} has no hint"
        is_empty = isinstance(hint, ast.Constant) and not str(hint.value).strip()
        assert not is_empty, f"{where} has an empty hint"


def test_the_errors_that_build_their_own_hint_give_a_non_empty_one() -> None:
    problems = [Problem("a.whl", "is broken", "rebuild it")]
    assert CheckFailed(problems).hint == "rebuild it"
    errors = InputErrors([InputError("dry-run", "'x' is not auto", "set it to auto")])
    assert "set it to auto" in errors.hint


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_error_has_a_docstring_and_a_readme_entry(name: str) -> None:
    assert (CLASSES[name].__doc__ or "").strip(), f"{name} has no docstring"
    assert f"### `{name}`" in SECTION, f"README's Troubleshooting has no entry for {name}"


def _anchors(markdown: str) -> set[str]:
    without_code = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    headings = re.findall(r"^#{1,6} (.+)$", without_code, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_more_link_lands_on_a_heading(name: str) -> None:
    error = CLASSES[name].__new__(CLASSES[name])
    url = troubleshooting_url(error)
    assert url.startswith("https://github.com/")
    assert url.rsplit("#", 1)[1] in _anchors(README)


def test_a_subclass_made_elsewhere_links_to_its_nearest_documented_base() -> None:
    class Elsewhere(CheckFailed):
        pass

    Elsewhere.__module__ = "plugin"
    assert troubleshooting_url(Elsewhere([])).endswith("#checkfailed")


def test_nothing_in_the_package_reads_the_readme() -> None:
    # A path to it would be a string of its own ("README.md"); hints that mention a README
    # inside a sentence are fine.
    for path in PACKAGE.rglob("*.py"):
        constants = {
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        assert not constants & {"README", "README.md"}, path
