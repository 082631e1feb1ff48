"""The GitHub context from ``GITHUB_*`` variables and the event payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from py_release.github.context import GitHubContext, load_context


def _event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_outside_actions_everything_is_empty() -> None:
    context = load_context({})
    assert context == GitHubContext()
    assert context.tag is None
    assert not context.is_pull_request
    assert not context.in_actions
    assert not context.under_act


@pytest.mark.parametrize(
    ("ref", "tag"),
    [
        ("refs/tags/v1.2.3", "v1.2.3"),
        ("refs/tags/release/1.0", "release/1.0"),
        ("refs/heads/main", None),
        ("refs/pull/7/merge", None),
        ("", None),
    ],
    ids=["tag", "tag-with-slash", "branch", "pull", "empty"],
)
def test_tag_from_github_ref(ref: str, tag: str | None) -> None:
    assert load_context({"GITHUB_REF": ref}).tag == tag


def test_a_push_run(tmp_path: Path) -> None:
    context = load_context(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_REF": "refs/tags/v1.0.0",
            "GITHUB_REPOSITORY": "octo/sample",
            "GITHUB_WORKFLOW_REF": "octo/sample/.github/workflows/release.yml@refs/tags/v1.0.0",
            "GITHUB_SERVER_URL": "https://github.example.com",
            "GITHUB_RUN_ID": "42",
            "GITHUB_EVENT_PATH": _event(tmp_path, {"ref": "refs/tags/v1.0.0"}),
        }
    )
    assert context.event_name == "push"
    assert context.tag == "v1.0.0"
    assert context.repository == "octo/sample"
    assert context.workflow_ref == "octo/sample/.github/workflows/release.yml@refs/tags/v1.0.0"
    assert context.server_url == "https://github.example.com"
    assert context.run_id == "42"
    assert context.in_actions
    assert not context.under_act
    assert not context.is_pull_request
    assert not context.pull_request_from_fork


@pytest.mark.parametrize(
    ("payload", "fork"),
    [
        ({"pull_request": {"head": {"repo": {"fork": True, "full_name": "someone/sample"}}}}, True),
        ({"pull_request": {"head": {"repo": {"fork": False}}}}, False),
        ({"pull_request": {"head": {"repo": None}}}, False),
        ({"pull_request": {"head": "not a mapping"}}, False),
        ({"ref": "refs/heads/main"}, False),
        ([1, 2, 3], False),
    ],
    ids=["fork", "same-repo", "deleted-head-repo", "odd-head", "push-payload", "not-an-object"],
)
def test_fork_detection_from_the_event_payload(tmp_path: Path, payload: object, fork: bool) -> None:
    environ = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": _event(tmp_path, payload)}
    context = load_context(environ)
    assert context.pull_request_from_fork is fork
    assert context.is_pull_request


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target", "merge_group"])
def test_pull_request_events(event: str) -> None:
    assert load_context({"GITHUB_EVENT_NAME": event}).is_pull_request


def test_an_unreadable_event_file_is_ignored(tmp_path: Path) -> None:
    broken = tmp_path / "event.json"
    broken.write_text("{not json", encoding="utf-8")
    assert load_context({"GITHUB_EVENT_PATH": str(broken)}) == GitHubContext()
    missing = tmp_path / "missing.json"
    assert load_context({"GITHUB_EVENT_PATH": str(missing)}) == GitHubContext()


def test_under_act(tmp_path: Path) -> None:
    # act may leave GITHUB_REF unset; the payload's ref is used then.
    environ = {
        "ACT": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": _event(tmp_path, {"ref": "refs/tags/v2.0"}),
    }
    context = load_context(environ)
    assert context.under_act
    assert context.in_actions
    assert context.tag == "v2.0"


def test_github_ref_wins_over_the_payload(tmp_path: Path) -> None:
    environ = {
        "GITHUB_REF": "refs/tags/v3.0",
        "GITHUB_EVENT_PATH": _event(tmp_path, {"ref": "refs/tags/v2.0"}),
    }
    assert load_context(environ).tag == "v3.0"


@pytest.mark.parametrize("value", ["false", "1", "TRUE", ""])
def test_act_only_when_exactly_true(value: str) -> None:
    assert not load_context({"ACT": value}).under_act
