"""The audit stage inside the action: the running workflow (GITHUB_WORKFLOW_REF, found in
GITHUB_WORKSPACE) audited before anything is built, as ``doctor: warn | error | off`` says."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import CliRun, run_cli
from tests.pypiserver import PypiServer

WORKFLOWS = Path(__file__).resolve().parents[1] / "unit" / "workflows"


def _run(
    tmp_path: Path, workflow: str, doctor: str, packages_dir: Path, server: PypiServer
) -> CliRun:
    workspace = tmp_path / "workspace"
    (workspace / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(WORKFLOWS / workflow, workspace / ".github" / "workflows" / "release.yml")
    env = {
        "GITHUB_REPOSITORY": "octo-org/sample",
        "GITHUB_WORKFLOW_REF": "octo-org/sample/.github/workflows/release.yml@refs/heads/main",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "INPUT_DOCTOR": doctor,
        "INPUT_DRY-RUN": "true",
        "INPUT_PACKAGES-DIR": str(packages_dir),
        "INPUT_REPOSITORY-URL": server.url,
    }
    return run_cli([], tmp_path, env)


def test_warn_reports_the_findings_and_goes_on(
    tmp_path: Path, packages_dir: Path, pypiserver: PypiServer
) -> None:
    run = _run(tmp_path, "bad-persist-credentials.yml", "warn", packages_dir, pypiserver)

    assert run.returncode == 0, run.log
    assert "::warning title=doctor%3A .github/workflows/release.yml::persist-credentials" in run.log
    assert "persist-credentials" in run.log
    assert "### Workflow checklist (doctor)" in run.summary
    assert "| doctor | ✅ done |" in run.summary


def test_error_stops_before_the_build_on_a_failed_item(
    tmp_path: Path, packages_dir: Path, pypiserver: PypiServer
) -> None:
    run = _run(tmp_path, "bad-write-all.yml", "error", packages_dir, pypiserver)

    assert run.returncode == 1, run.log
    assert "fails 1 item(s) of the release checklist" in run.log
    assert "set doctor: warn" in run.log
    assert "Traceback" not in run.log
    assert "| build |" not in run.summary


def test_error_lets_a_clean_workflow_through(
    tmp_path: Path, packages_dir: Path, pypiserver: PypiServer
) -> None:
    run = _run(tmp_path, "good.yml", "error", packages_dir, pypiserver)

    assert run.returncode == 0, run.log
    assert "every checklist item passes" in run.summary
    assert "### Workflow checklist (doctor)" not in run.summary
    # What only the settings show is listed once, with the pages of this repository and project.
    assert run.summary.count("### Check by hand (only the settings show these)") == 1
    assert "| <https://github.com/octo-org/sample/settings/environments> |" in run.summary
    assert "| <https://github.com/octo-org/sample/settings/rules> |" in run.summary
    assert "<https://pypi.org/manage/project/py-release-sample/settings/publishing/>" in run.summary
    assert "<https://test.pypi.org/manage/project/py-release-sample/settings/publishing/>" in (
        run.summary
    )


def test_off_skips_the_audit(tmp_path: Path, packages_dir: Path, pypiserver: PypiServer) -> None:
    run = _run(tmp_path, "bad-write-all.yml", "off", packages_dir, pypiserver)

    assert run.returncode == 0, run.log
    assert "| doctor | ⏭️ skipped | doctor is off |" in run.summary


def test_a_workflow_not_checked_out_is_skipped_with_the_reason(
    tmp_path: Path, packages_dir: Path, pypiserver: PypiServer
) -> None:
    env = {
        "GITHUB_REPOSITORY": "octo-org/sample",
        "GITHUB_WORKFLOW_REF": "octo-org/sample/.github/workflows/release.yml@refs/heads/main",
        "GITHUB_WORKSPACE": str(tmp_path / "empty"),
        "INPUT_DOCTOR": "error",
        "INPUT_DRY-RUN": "true",
        "INPUT_PACKAGES-DIR": str(packages_dir),
        "INPUT_REPOSITORY-URL": pypiserver.url,
    }
    run = run_cli([], tmp_path, env)

    assert run.returncode == 0, run.log
    assert "nothing to audit" in run.log
    assert "release.yml is not in the workspace: this job checks nothing out" in run.log

    # Without GITHUB_WORKFLOW_REF (act, older GitHub Enterprise Servers), the reason is the
    # same: there is no checkout to look in, not a bad ref.
    del env["GITHUB_WORKFLOW_REF"]
    run = run_cli([], tmp_path, env)
    assert run.returncode == 0, run.log
    assert "this job checks nothing out, so no workflow file is in the workspace" in run.log
    assert "does not name a workflow" not in run.log
