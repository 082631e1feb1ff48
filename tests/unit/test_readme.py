"""The README documents every input with its default, and starts with the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from py_release.inputs import INPUTS, InputSpec

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", INPUTS, ids=[spec.name for spec in INPUTS])
def test_every_input_is_documented_with_its_default(spec: InputSpec) -> None:
    # A '|' inside a Markdown table cell is written '\|'.
    shown = spec.action_default or spec.default
    default = f"`{shown}`".replace("|", "\\|") if shown else "—"
    assert re.search(rf"^\| `{re.escape(spec.name)}`[^|]*\| {re.escape(default)} \|", README, re.M)


def test_the_readme_opens_with_the_demo_and_the_test_command() -> None:
    blocks = re.findall(r"^```bash\n(.*?)^```", README, re.M | re.S)
    assert "py-release demo" in blocks[0]
    assert "pytest" in blocks[1]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_inside_the_readme_has_its_heading() -> None:
    without_code = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)
    anchors = {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", without_code, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert links
    assert links <= anchors, sorted(links - anchors)
