"""Every third-party module the action imports is pinned in requirements/action.lock.

The action's venv holds only the lock; the dev venv holds much more, so a missing pin passes
every other test and fails on the first real runner.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "py_release"
# The sandbox is the test stand-ins, installed with the `sandbox` extra, not by the action.
NOT_IN_THE_ACTION = ("sandbox",)


def _imported_top_levels() -> dict[str, str]:
    """Top-level module -> the first file importing it, for the action's modules."""
    found: dict[str, str] = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(PACKAGE)
        if relative.parts[0] in NOT_IN_THE_ACTION:
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], str(relative))
    return found


def _locked() -> set[str]:
    text = (ROOT / "requirements" / "action.lock").read_text(encoding="utf-8")
    return {
        canonicalize_name(match)
        for match in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.M)
    }


def test_every_third_party_import_of_the_action_is_locked() -> None:
    distributions = packages_distributions()
    locked = _locked()
    missing: list[str] = []
    for module, where in sorted(_imported_top_levels().items()):
        if module in sys.stdlib_module_names or module in ("py_release", "__future__"):
            continue
        providers = {canonicalize_name(d) for d in distributions.get(module, [])}
        assert providers, f"{module} (imported by {where}) is installed by no distribution"
        if not providers & locked:
            missing.append(f"{module} ({', '.join(sorted(providers))}) imported by {where}")
    assert not missing, "add to requirements/action.in and regenerate the lock: " + "; ".join(
        missing
    )
