"""The project's own CI (.github/workflows/tests.yml), its job that uses the action on itself,
run unmodified by act on Linux: the checkout stand-in (py-release sandbox's) in place
of the pinned actions/checkout, the rest as on GitHub. macOS and Windows run it on GitHub only:
act's host mode here is Linux."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from py_release.sandbox.act_setup import STANDINS
from py_release.workflow.pins import CHECKOUT
from tests.e2e.act import make_repository, run_act
from tests.helpers import REPO

pytestmark = pytest.mark.slow


def test_the_action_makes_a_dry_run_of_the_sample_on_itself(
    tmp_path: Path, bootstrap_cache: Path
) -> None:
    # This checkout's action, the sample project and tests.yml, committed.
    repo = make_repository(tmp_path, REPO / ".github" / "workflows" / "tests.yml", name="tests.yml")
    checkout = STANDINS / "checkout"
    run = run_act(
        repo, tmp_path, "push", {"ref": "refs/heads/main"}, cache=bootstrap_cache,
        workflow="tests.yml",
        args=["-j", "action", "--matrix", "os:ubuntu-latest", "--no-skip-checkout",
              "--env", f"STANDIN_CHECKOUT_FROM={repo}",
              "--local-repository", f"{CHECKOUT.action}@{CHECKOUT.sha}={checkout}"],
    )  # fmt: skip

    assert run.returncode == 0, run.log[-6000:]
    # The step after the action checked its outputs (dry run, nothing uploaded, an sdist and a
    # wheel that would be uploaded); it ran, and the job succeeded.
    assert re.search(r"Success - Main Check the step outputs", run.log)
    assert "py-release-sample" in run.log
    assert "dry run, nothing uploaded" in run.log
    assert ".github/workflows/tests.yml: every checklist item passes" in run.log
