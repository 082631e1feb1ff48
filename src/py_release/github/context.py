"""The GitHub context of this run, read from ``GITHUB_*`` variables and the event payload."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target", "merge_group"})


@dataclass(frozen=True)
class GitHubContext:
    event_name: str | None = None
    ref: str | None = None
    repository: str | None = None
    workflow_ref: str | None = None
    # GITHUB_WORKFLOW: the workflow's `name:`, or its file path when it has none.
    workflow_name: str | None = None
    server_url: str = "https://github.com"
    # GITHUB_API_URL: the REST API's root (GitHub Enterprise Server serves it at /api/v3).
    api_url: str = "https://api.github.com"
    run_id: str | None = None
    # The checked-out repository (GITHUB_WORKSPACE), where the running workflow's file is.
    workspace: str | None = None
    in_actions: bool = False
    under_act: bool = False
    pull_request_from_fork: bool = False
    # Both ACTIONS_ID_TOKEN_REQUEST_* variables are set: the job has `id-token: write`.
    id_token_available: bool = False

    @property
    def tag(self) -> str | None:
        """The tag this run is for, or None when it is not a tag push."""
        if self.ref and self.ref.startswith("refs/tags/"):
            return self.ref.removeprefix("refs/tags/")
        return None

    @property
    def owner(self) -> str | None:
        return self.repository.split("/", 1)[0] if self.repository else None

    @property
    def workflow_file(self) -> str | None:
        """``release.yml`` from ``owner/repo/.github/workflows/release.yml@refs/...``."""
        if not self.workflow_ref:
            return None
        path = self.workflow_ref.split("@", 1)[0]
        return path.rsplit("/", 1)[-1] or None

    @property
    def is_pull_request(self) -> bool:
        return self.event_name in PULL_REQUEST_EVENTS

    @property
    def untrusted_event(self) -> str:
        """Why this run's code or data may be a fork's (empty when it is not): such a run
        never publishes unless allow-untrusted-events says so."""
        if self.event_name in ("pull_request_target", "workflow_run"):
            return (
                f"{self.event_name} runs with this repository's permissions on code or data "
                "a fork can control"
            )
        if self.is_pull_request and self.pull_request_from_fork:
            return "this is a pull request from a fork"
        return ""


# GitHub's webhook payloads are capped at 25 MB; anything larger is not an event.
_EVENT_LIMIT = 25 * 1024 * 1024


def _load_event(path: str | None) -> dict[str, Any]:
    """The event payload, or {} when it cannot be one: not a regular file (a device, a
    folder), too large, not JSON, not an object."""
    if not path:
        return {}
    try:
        event_file = Path(path)
        if not event_file.is_file():
            return {}
        with event_file.open("rb") as stream:
            data = stream.read(_EVENT_LIMIT + 1)
        if len(data) > _EVENT_LIMIT:
            return {}
        payload = json.loads(data.decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _is_fork(event: Mapping[str, Any]) -> bool:
    """Whether the pull request's head is in another repository than its base."""
    pull_request = event.get("pull_request")
    if not isinstance(pull_request, dict):
        return False
    head, base = pull_request.get("head"), pull_request.get("base")
    head_repo = head.get("repo") if isinstance(head, dict) else None
    base_repo = base.get("repo") if isinstance(base, dict) else None
    if not isinstance(head_repo, dict):
        return False
    if head_repo.get("fork"):
        return True
    if isinstance(base_repo, dict) and head_repo.get("full_name") and base_repo.get("full_name"):
        return bool(head_repo["full_name"] != base_repo["full_name"])
    return False


def load_context(environ: Mapping[str, str]) -> GitHubContext:
    """Read the context; missing variables (a laptop, another CI) leave fields empty."""
    event = _load_event(environ.get("GITHUB_EVENT_PATH"))
    ref = environ.get("GITHUB_REF") or None
    # act fills GITHUB_REF from the event's "ref" only for push events it knows; trust the
    # payload when the variable is missing.
    if ref is None and isinstance(event.get("ref"), str):
        ref = event["ref"]
    return GitHubContext(
        event_name=environ.get("GITHUB_EVENT_NAME") or None,
        ref=ref,
        repository=environ.get("GITHUB_REPOSITORY") or None,
        workflow_ref=environ.get("GITHUB_WORKFLOW_REF") or None,
        workflow_name=environ.get("GITHUB_WORKFLOW") or None,
        server_url=environ.get("GITHUB_SERVER_URL") or "https://github.com",
        api_url=(environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        run_id=environ.get("GITHUB_RUN_ID") or None,
        workspace=environ.get("GITHUB_WORKSPACE") or None,
        in_actions=environ.get("GITHUB_ACTIONS") == "true",
        under_act=environ.get("ACT") == "true",
        pull_request_from_fork=_is_fork(event),
        id_token_available=bool(
            environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
            and environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        ),
    )
