"""The runner reports a failure with everything known up to it: a stage that fails after the
decision still leaves the decision (mode, index) in the job summary and the outputs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from py_release.config import load_config
from py_release.environment import release_environment
from py_release.errors import BuildError, ReleaseError
from py_release.github.context import GitHubContext
from py_release.release import run_release
from py_release.reporter import TerminalReporter
from py_release.workflow.audit import WorkflowAuditFailed


def _run(tmp_path: Path, **flags: str) -> tuple[type[ReleaseError], str, dict[str, str]]:
    config = load_config(
        {},
        {"project-dir": str(tmp_path / "empty"), "packages-dir": str(tmp_path / "dist"),
         "repository-url": "http://127.0.0.1:9/legacy/", **flags},
    )  # fmt: skip
    (tmp_path / "empty").mkdir()
    out, err = io.StringIO(), io.StringIO()
    reporter = TerminalReporter(verbose=True, out=out, err=err)
    with requests.Session() as session, pytest.raises(ReleaseError) as caught:
        run_release(
            release_environment(
                config=config, context=GitHubContext(), reporter=reporter, session=session
            )
        )
    return caught.type, out.getvalue(), reporter.outputs


def test_a_build_failure_keeps_the_decision_in_the_summary(tmp_path: Path) -> None:
    kind, summary, outputs = _run(tmp_path, **{"dry-run": "true", "doctor": "off"})

    assert kind is BuildError
    assert "## ❌ py-release: release failed" in summary
    assert "| Mode | dry run (dry-run is true) |" in summary
    assert "| build | ❌ failed |" in summary
    assert outputs["dry-run"] == "true"
    assert outputs["index-url"] == "http://127.0.0.1:9/simple/"


def test_a_refusal_before_the_decision_reports_what_was_recorded(tmp_path: Path) -> None:
    workspace = tmp_path / "repo"
    workflows = workspace / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text(
        "on: push\npermissions: write-all\njobs:\n  publish:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: org/py-release-action@v1\n",
        encoding="utf-8",
    )
    config = load_config({}, {"doctor": "error", "packages-dir": str(tmp_path / "dist")})
    context = GitHubContext(
        repository="octo/repo",
        workflow_ref="octo/repo/.github/workflows/release.yml@refs/heads/main",
        workspace=str(workspace),
    )
    out = io.StringIO()
    reporter = TerminalReporter(verbose=True, out=out, err=io.StringIO())
    with requests.Session() as session, pytest.raises(WorkflowAuditFailed):
        run_release(
            release_environment(config=config, context=context, reporter=reporter, session=session)
        )

    summary = out.getvalue()
    assert "### Workflow checklist (doctor)" in summary
    assert "| doctor | ❌ failed |" in summary
    assert "| Mode |" not in summary  # nothing was decided
    assert reporter.outputs["files"] == "[]"


def test_files_a_failed_run_never_sent_say_so(tmp_path: Path) -> None:
    import json

    from tests.unit.artefacts import make_sdist, make_wheel

    packages = tmp_path / "dist"
    packages.mkdir()
    make_sdist(packages, name="sample", version="1.0")
    make_wheel(packages, name="sample", version="1.0")
    # No password and no ID token: the run stops at authenticate.
    kind, summary, outputs = _run(tmp_path, **{"dry-run": "false", "doctor": "off"})

    assert kind.__name__ == "TrustedPublishingError"
    rows = [line for line in summary.splitlines() if line.startswith("| `sample-1.0")]
    assert len(rows) == 2
    for row in rows:
        assert row.endswith("| not sent: the run stopped at authenticate, before the upload |")
    assert {entry["status"] for entry in json.loads(outputs["files"])} == {"not sent"}
