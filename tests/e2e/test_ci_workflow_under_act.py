"""The project's own CI (.github/workflows/tests.yml), its job that uses the action on itself,
run unmodified by act on Linux: the checkout stand-in (tests/e2e/standins/checkout) in place
of the pinned actions/checkout, the rest as on GitHub. macOS and Windows run it on GitHub only:
act's host mode here is Linux."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from py_release.workflow.pins import CHECKOUT
from tests.e2e.test_action_under_act import ACT_TIMEOUT, ACTION_FILES, _act_binary
from tests.helpers import REPO, clean_environ, copy_sample

pytestmark = pytest.mark.slow

GIT = ["git", "-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e"]


def _repository(tmp_path: Path) -> Path:
    """This checkout's action, the sample project and tests.yml, committed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ACTION_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    (repo / "examples").mkdir()
    copy_sample(repo / "examples")
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(REPO / ".github" / "workflows" / "tests.yml", repo / ".github" / "workflows")
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "ci"], cwd=repo, check=True)
    return repo


def test_the_action_makes_a_dry_run_of_the_sample_on_itself(
    tmp_path: Path, bootstrap_cache: Path
) -> None:
    repo = _repository(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    environ = clean_environ()
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    command = [
        _act_binary(), "push", "-e", str(event), "-W", ".github/workflows/tests.yml",
        "-j", "action", "--matrix", "os:ubuntu-latest",
        "-P", "ubuntu-latest=-self-hosted", "--no-skip-checkout",
        "--env", f"STANDIN_CHECKOUT_FROM={repo}",
        "--env", f"PY_RELEASE_CACHE={bootstrap_cache}",
        "--local-repository",
        f"{CHECKOUT.action}@{CHECKOUT.sha}={Path(__file__).parent / 'standins' / 'checkout'}",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=repo, env=environ, capture_output=True, text=True, timeout=ACT_TIMEOUT,
        check=False,
    )  # fmt: skip
    log = result.stdout + result.stderr

    assert result.returncode == 0, log[-6000:]
    # The step after the action checked its outputs (dry run, nothing uploaded, an sdist and a
    # wheel that would be uploaded); it ran, and the job succeeded.
    assert re.search(r"Success - Main Check the step outputs", log)
    assert "py-release-sample" in log
    assert "dry run, nothing uploaded" in log
    assert ".github/workflows/tests.yml: every checklist item passes" in log
