"""Which workflow file the in-action doctor audits, from GITHUB_WORKFLOW_REF."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.workflow.audit import WorkflowAudit, audit_failure, workflow_named, workflow_path
from py_release.workflow.findings import Finding

WORKFLOWS = ".github/workflows"


@pytest.mark.parametrize(
    ("repository", "workflow_ref", "expected"),
    [
        ("octo/app", f"octo/app/{WORKFLOWS}/release.yml@refs/tags/v1", f"{WORKFLOWS}/release.yml"),
        ("Octo/App", f"octo/app/{WORKFLOWS}/ci.yaml@refs/heads/main", f"{WORKFLOWS}/ci.yaml"),
        # A reusable workflow called from another repository: its file is not in this checkout.
        ("octo/app", "other/repo/.github/workflows/release.yml@refs/heads/main", None),
        ("octo/app", None, None),
        (None, "octo/app/.github/workflows/release.yml@refs/heads/main", None),
    ],
)  # fmt: skip
def test_workflow_path_from_the_ref(
    repository: str | None, workflow_ref: str | None, expected: str | None
) -> None:
    context = GitHubContext(repository=repository, workflow_ref=workflow_ref)
    assert workflow_path(context) == expected


def test_audit_failure_lists_each_failure_and_its_fix_once() -> None:
    fail = Finding("permissions", "fail", "workflow grants write-all", "grant id-token: write")
    warn = Finding("environment", "warn", "no environment", "add environment: pypi")
    again = Finding("permissions", "fail", "job grants write-all", "grant id-token: write")
    refusal = audit_failure(WorkflowAudit(".github/workflows/release.yml", (fail, warn, again)))
    assert isinstance(refusal, ReleaseError)
    assert "fails 2 item(s)" in refusal.message
    assert "no environment" not in refusal.message
    assert refusal.hint.count("grant id-token: write") == 1


def test_audit_failure_lets_warnings_through() -> None:
    warn = Finding("environment", "warn", "no environment", "add environment: pypi")
    assert audit_failure(WorkflowAudit(".github/workflows/release.yml", (warn,))) is None


def test_without_a_workflow_ref_the_file_is_found_by_its_name(tmp_path: Path) -> None:
    folder = tmp_path / WORKFLOWS
    folder.mkdir(parents=True)
    (folder / "release.yml").write_text("name: 'release'\non: push\njobs: {}\n")
    (folder / "ci.yaml").write_text("name: CI # tests\non: push\njobs: {}\n")
    (folder / "nameless.yml").write_text("on: push\njobs: {}\n")

    assert workflow_named(tmp_path, "release") == f"{WORKFLOWS}/release.yml"
    assert workflow_named(tmp_path, "CI") == f"{WORKFLOWS}/ci.yaml"
    assert workflow_named(tmp_path, f"{WORKFLOWS}/nameless.yml") == f"{WORKFLOWS}/nameless.yml"
    assert workflow_named(tmp_path, "deploy") is None


def test_two_workflows_of_one_name_are_not_guessed(tmp_path: Path) -> None:
    folder = tmp_path / WORKFLOWS
    folder.mkdir(parents=True)
    for file in ("a.yml", "b.yml"):
        (folder / file).write_text("name: release\non: push\njobs: {}\n")
    assert workflow_named(tmp_path, "release") is None
