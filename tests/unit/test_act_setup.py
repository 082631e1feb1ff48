"""What the sandbox tells act for a workflow: a stand-in for each action act cannot run in
host mode, at the exact ref the workflow pins; the rest fetched."""

from __future__ import annotations

from pathlib import Path

from py_release.sandbox.act_setup import STANDINS, act_command, act_setup
from py_release.workflow.init import WorkflowSpec, render_workflow
from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT


def test_the_pinned_github_actions_get_the_shipped_stand_ins() -> None:
    setup = act_setup(render_workflow(WorkflowSpec("sample")))

    assert setup.local_repositories == tuple(
        sorted(
            f"{pin.action}@{pin.sha}={STANDINS / name}"
            for pin, name in ((CHECKOUT, "checkout"), (UPLOAD_ARTIFACT, "upload-artifact"),
                              (DOWNLOAD_ARTIFACT, "download-artifact"))
        )
    )  # fmt: skip
    assert setup.fetched == (f"{ACTION.action}@{ACTION.sha}",)
    for local in setup.local_repositories:
        assert (Path(local.split("=", 1)[1]) / "action.yml").is_file()


def test_the_act_command_names_every_stand_in() -> None:
    setup = act_setup("steps:\n  - uses: 'actions/checkout@v4'\n  - uses: ./\n")
    command = act_command("event.json", Path("sandbox.env"), Path("s.secrets"), setup)
    assert command == (
        "act push -e event.json -P ubuntu-latest=-self-hosted --env-file sandbox.env "
        f"--secret-file s.secrets --local-repository actions/checkout@v4={STANDINS / 'checkout'}"
    )
