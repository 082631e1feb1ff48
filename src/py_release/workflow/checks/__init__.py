"""The release security checklist: one function per item over a parsed workflow
(``py_release.workflow.model``), grouped by what they look at, in the order they are reported."""

from __future__ import annotations

from collections.abc import Callable

from py_release.workflow.checks.credentials import check_persist_credentials, check_token_secrets
from py_release.workflow.checks.ordering import check_attestations, check_testpypi_first
from py_release.workflow.checks.permissions import (
    check_github_release,
    check_id_token,
    check_permissions,
)
from py_release.workflow.checks.pinned_actions import check_pinned_actions
from py_release.workflow.checks.publishing_jobs import (
    check_build_isolation,
    check_environment,
    check_metadata_check,
    check_separate_indexes,
)
from py_release.workflow.checks.triggers import check_trigger, check_untrusted_triggers
from py_release.workflow.findings import Finding
from py_release.workflow.model import Workflow

CHECKS: tuple[tuple[str, Callable[[Workflow], list[Finding]]], ...] = (
    ("trigger", check_trigger),
    ("permissions", check_permissions),
    ("id-token", check_id_token),
    ("environment", check_environment),
    ("persist-credentials", check_persist_credentials),
    ("pinned-actions", check_pinned_actions),
    ("metadata-check", check_metadata_check),
    ("separate-indexes", check_separate_indexes),
    ("testpypi-first", check_testpypi_first),
    ("build-isolation", check_build_isolation),
    ("untrusted-triggers", check_untrusted_triggers),
    ("token-secrets", check_token_secrets),
    ("github-release", check_github_release),
    ("attestations", check_attestations),
)
