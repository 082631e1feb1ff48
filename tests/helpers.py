"""Running the real CLI as a subprocess, the way a runner does, and reading what it wrote."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.secrets_registry import assert_no_secrets

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PROJECT = REPO / "examples" / "sample-project"
_HEREDOC = re.compile(r"^([^<=\n]+)<<(\S+)\n(.*?)\n\2$", re.MULTILINE | re.DOTALL)


def parse_github_output(text: str) -> dict[str, str]:
    """Read a $GITHUB_OUTPUT file as the runner does: ``name=value`` or heredoc blocks."""
    values: dict[str, str] = {}
    for match in _HEREDOC.finditer(text):
        values[match.group(1)] = match.group(3)
    rest = _HEREDOC.sub("", text)
    for line in rest.splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def files(self) -> list[dict[str, object]]:
        parsed = json.loads(self.outputs["files"])
        assert isinstance(parsed, list)
        return parsed


def clean_environ() -> dict[str, str]:
    """The test process's environment without anything a runner would set."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INPUT_", "GITHUB_", "ACTIONS_", "RUNNER_", "PY_RELEASE_SANDBOX_"))
        and key not in ("ACT", "CI", "PY_RELEASE_PASSWORD")
    }


def run_cli(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None, *, actions: bool = True
) -> CliRun:
    """Run ``python -m py_release ARGS``; with ``actions`` as under GitHub Actions."""
    outputs_file = tmp_path / "github_output"
    summary_file = tmp_path / "step_summary"
    outputs_file.write_text("")
    summary_file.write_text("")
    environ = clean_environ()
    if actions:
        environ |= {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(outputs_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
    # The dependency audit reads PyPI's JSON API on the internet; a run that is not about it
    # leaves it out (tests/integration/test_dependency_audit.py runs it, against the stand-in).
    environ |= {"INPUT_AUDIT": "off"}
    environ |= env or {}
    result = subprocess.run(
        [sys.executable, "-m", "py_release", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    run = CliRun(
        result.returncode,
        result.stdout,
        result.stderr,
        parse_github_output(outputs_file.read_text()),
        summary_file.read_text(),
    )
    assert_no_secrets(run.stdout, run.stderr, outputs_file, summary_file)
    return run


def copy_sample(into: Path, version: str | None = None) -> Path:
    target = into / "sample-project"
    shutil.copytree(SAMPLE_PROJECT, target, ignore=shutil.ignore_patterns("dist", "build"))
    if version:
        pyproject = target / "pyproject.toml"
        pyproject.write_text(
            re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject.read_text())
        )
    return target


def dist_names(folder: Path) -> set[str]:
    """The distributions in ``folder``, as the release finds them (the SBOM and attestations
    written beside them are not distributions)."""
    from py_release.distributions.files import scan_packages_dir

    return {dist.name for dist in scan_packages_dir(folder).dists}
