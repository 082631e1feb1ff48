"""The README's Troubleshooting section is generated from the error classes and their raise sites,
and stays in step with them."""

from __future__ import annotations

import ast
import importlib
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from py_release.docs.raise_sites import all_sites, error_classes, package_modules
from py_release.docs.troubleshooting import (
    COMMAND,
    END,
    START,
    cell,
    main,
    render_section,
    section_of,
)

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "py_release"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def modules() -> list[ModuleType]:
    return package_modules()


@pytest.fixture(scope="module")
def section(modules: list[ModuleType]) -> str:
    return render_section(modules)


def test_the_readme_section_is_what_the_generator_writes(section: str) -> None:
    written = section_of(README.read_text(encoding="utf-8"))
    assert written == section, (
        f"README.md's Troubleshooting is out of date with the errors in the code: run `{COMMAND}` "
        "and commit README.md"
    )


def _release_error_classes_in_source() -> set[str]:
    """Names of the classes under src (sandbox left out) that derive from ReleaseError, found
    by reading the source, independently of the generator's import-based discovery."""
    bases_of: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        if "sandbox" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases}
                bases_of.setdefault(node.name, set()).update(names)
    found = {"ReleaseError"}
    while True:
        more = {name for name, bases in bases_of.items() if bases & found} - found
        if not more:
            return found
        found |= more


def test_every_error_class_in_the_source_has_a_section(section: str) -> None:
    headings = set(re.findall(r"^### `(\w+)`$", section, re.M))
    missing = _release_error_classes_in_source() - headings
    assert not missing, f"error classes missing from Troubleshooting: {sorted(missing)}"


def test_every_error_class_says_what_it_means_and_where_it_is_raised(
    modules: list[ModuleType],
) -> None:
    classes = error_classes(modules, all_sites(modules))
    assert len(classes) >= 12
    for error_class in classes:
        name = error_class.error.__name__
        assert error_class.doc, f"{name} has no docstring: say what the error means"
        assert error_class.sites or error_class.subclasses, (
            f"{name} is never raised and is no base of a raised error: raise it or remove it"
        )


def test_every_row_has_a_message_and_a_fix(section: str) -> None:
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert len(rows) > 100
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 4, f"a cell has an unescaped '|': {row}"
        message, fix = cells[1].strip(), cells[2].strip()
        assert message
        assert fix
        assert re.search(r"[A-Za-z]", re.sub(r"&lt;.*?&gt;", "", fix)), f"no fix in: {row}"


def test_known_raise_sites_are_rendered_with_their_hints(section: str) -> None:
    # A module dict of hints keyed by the warehouse's error code (trusted_publishing._hint_for).
    assert (
        "| the index refused the token exchange (&lt;listed&gt;) — for `invalid-reuse-token` | "
        "each exchange needs a fresh ID token and this one was used already: re-run the job |"
    ) in section
    # InputError(input_name, message, hint), through its own constructor.
    assert "| input 'repository': is set together with repository-url | use one:" in section
    # A check Problem is listed under CheckFailed, with a module constant as its hint.
    assert "| &lt;file&gt;: has no PKG-INFO in its top-level folder | rebuild the" in section
    # A multi-line hint keeps its lines and indentation.
    assert "<br>&nbsp;&nbsp;&nbsp;&nbsp;permissions:<br>" in section


SYNTHETIC = '''
    """A module the generator has never seen."""

    from py_release.errors import Problem, ReleaseError

    HINTS = {"cold": "warm it up first", "wet": "dry it with --towel"}


    class FrobnicationError(ReleaseError):
        """The widget could not be frobnicated."""


    class GadgetError(ReleaseError):
        """A base for gadget failures."""


    class GadgetJammed(GadgetError):
        """A gadget jammed."""


    def frobnicate(widget: str, version: str, state: str, force: bool) -> None:
        hint = f"set frobnicate-version to {version} | or newer"
        if not widget:
            raise FrobnicationError(f"widget {widget!r} of version {version} is missing", hint)
        if force:
            raise FrobnicationError(
                "forced frobnication refused",
                "drop --force" if state == "new" else "re-run without --force",
            )
        raise FrobnicationError(f"the widget is {state}", HINTS[state])


    def jam() -> GadgetJammed:
        return GadgetJammed("the gadget jammed", "clear the `gadget | tray`")


    def check() -> Problem:
        return Problem("gadget.whl", "is not a gadget", "rebuild the gadget")
'''


@pytest.fixture
def synthetic_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    name = f"synthetic_errors_{tmp_path.name}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(SYNTHETIC), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


def test_a_new_raise_site_changes_the_section(
    modules: list[ModuleType], section: str, synthetic_module: ModuleType
) -> None:
    with_new = render_section([*modules, synthetic_module])
    assert with_new != section
    added = [line for line in with_new.splitlines() if line not in section.splitlines()]
    # ReleaseError lists its new subclasses.
    assert "[`FrobnicationError`](#frobnicationerror), [`GadgetError`](#gadgeterror)." in added[0]
    assert added[1:] == [
        # a check Problem joins CheckFailed's table
        "| gadget.whl: is not a gadget | rebuild the gadget |",
        "### `FrobnicationError`",
        "The widget could not be frobnicated.",
        # f-string placeholders, !r, a local hint variable, an escaped '|'
        "| widget '&lt;widget&gt;' of version &lt;version&gt; is missing "
        "| set frobnicate-version to &lt;version&gt; \\| or newer |",
        # both sides of a conditional expression
        "| forced frobnication refused | drop --force |",
        "| forced frobnication refused | re-run without --force |",
        # a module dict of hints, each with the key it is for
        "| the widget is &lt;state&gt; — for `cold` | warm it up first |",
        "| the widget is &lt;state&gt; — for `wet` | dry it with --towel |",
        "### `GadgetError`",
        "A base for gadget failures.",
        "More specific errors of this kind: [`GadgetJammed`](#gadgetjammed).",
        "Not raised itself: a base class for the errors above.",
        "### `GadgetJammed`",
        "A gadget jammed.",
        "| the gadget jammed | clear the `gadget \\| tray` |",
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a | b", "a \\| b"),
        ("run `a | b` here", "run `a \\| b` here"),
        ("user __token__ and <version>", "user \\_\\_token\\_\\_ and &lt;version&gt;"),
        ("one\n  two", "one<br>&nbsp;&nbsp;two"),
        ("an odd ` backtick", "an odd \\` backtick"),
        ("[project] *name*", "\\[project\\] \\*name\\*"),
    ],
)
def test_cells_escape_what_markdown_would_read(text: str, shown: str) -> None:
    assert cell(text) == shown


def test_the_command_rewrites_only_the_block_and_check_reports_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n## Troubleshooting\n\n{START}\nstale\n{END}\n\n## Next\n")
    assert main(["--readme", str(readme), "--check"]) == 1
    assert COMMAND in capsys.readouterr().out
    assert main(["--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith(f"# Title\n\n## Troubleshooting\n\n{START}\n<!-- Generated")
    assert text.endswith(f"{END}\n\n## Next\n")
    assert "stale" not in text
    assert main(["--readme", str(readme), "--check"]) == 0
