"""The workflow `py-release init` writes, run unmodified by act against `py-release sandbox`.

The sample project becomes a git repository with a github.com origin and `py-release init`
writes its release workflow. act runs that file as it is: `--local-repository` puts small
composite stand-ins (py-release sandbox's, in src/py_release/sandbox/standins/) in place of
the pinned actions/checkout, upload-artifact and download-artifact, and this checkout's action
files in place of the pinned org/py-release-action; the sandbox's --env-file and
--secret-file supply the rest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from py_release.sandbox.act_setup import STANDINS
from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT, Pin
from tests.e2e.act import GIT, ActRun, commit_all, copy_action, git_init, run_act
from tests.e2e.sandbox_act import ENV_FILE_KEY, SECRET_FILE_KEY
from tests.helpers import clean_environ, copy_sample

# Stand-ins the tests add for actions a user's rehearsal does not replace.
TEST_STANDINS = Path(__file__).parent / "standins"


def project_with_init(tmp_path: Path, *init_options: str) -> tuple[Path, str]:
    """The sample as a git repository on main with a github.com origin, its workflow written
    by `py-release init` (run as a user runs it, with ``init_options``) and committed; and
    what init printed."""
    project = copy_sample(tmp_path, version="1.0.0")
    return project, init_in(project, *init_options)


def init_in(project: Path, *init_options: str) -> str:
    """Make ``project`` a git repository on main with a github.com origin, run `py-release
    init` in it as a user would and commit the workflow; what init printed."""
    git_init(project)
    subprocess.run(
        [*GIT, "remote", "add", "origin", "https://github.com/octo-org/sample-project.git"],
        cwd=project, check=True,
    )  # fmt: skip
    init = subprocess.run(
        [sys.executable, "-m", "py_release", "init", *init_options],
        cwd=project, env=clean_environ(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    commit_all(project, "release workflow from py-release init")
    return init.stdout + init.stderr


def run_init_workflow(
    project: Path,
    work: Path,
    sandbox: Mapping[str, str],
    ref: str,
    cache: Path,
    *,
    more_standins: Sequence[tuple[Pin, Path]] = (),
    more_args: Sequence[str] = (),
) -> ActRun:
    """act on a push of ``ref`` to ``project``, with the sandbox's files; the run's own files
    (the action's copy, the artifacts, act's event and results) in ``work``;
    ``more_standins`` replace further pinned actions, ``more_args`` go to act."""
    work.mkdir(exist_ok=True)
    # This checkout's action stands in for org/py-release-action at the pinned commit.
    action = copy_action(work / "py-release-action")
    replaced = [
        (CHECKOUT, STANDINS / "checkout"),
        (UPLOAD_ARTIFACT, STANDINS / "upload-artifact"),
        (DOWNLOAD_ARTIFACT, STANDINS / "download-artifact"),
        (ACTION, action),
        *more_standins,
    ]
    args = [
        "--no-skip-checkout",
        "--env-file", sandbox[ENV_FILE_KEY],
        "--secret-file", sandbox[SECRET_FILE_KEY],
        "--env", f"STANDIN_CHECKOUT_FROM={project}",
        "--env", f"STANDIN_ARTIFACTS={work / 'artifacts'}",
        *more_args,
    ]  # fmt: skip
    for pin, folder in replaced:
        args += ["--local-repository", f"{pin.action}@{pin.sha}={folder}"]
    return run_act(project, work, "push", {"ref": ref}, cache=cache, args=args)


def jobs_that_ran(log: str) -> set[str]:
    """The jobs act ran to success (a job skipped by its `if:` prints nothing)."""
    return set(re.findall(r"^\[release/([^\]]+?) *\] 🏁  Job succeeded$", log, re.M))
