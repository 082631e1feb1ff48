"""What a build backend may see of the job's environment."""

from __future__ import annotations

import os

import pytest

from py_release.distributions.build_environ import build_environ, without_credentials

REMOVED = [
    "INPUT_PASSWORD", "INPUT_GITHUB-TOKEN", "INPUT_REPOSITORY-URL", "PY_RELEASE_PASSWORD",
    "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_RESULTS_URL", "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ENV", "GITHUB_OUTPUT",
    "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS", "NPM_TOKEN", "my_api_key", "DEPLOY_PRIVATE_KEY",
    "STATE_py-release",
]  # fmt: skip
KEPT = [
    "PATH", "HOME", "LANG", "GITHUB_WORKSPACE", "GITHUB_REPOSITORY", "GITHUB_REF",
    "RUNNER_TEMP", "CI", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL",
    "SOURCE_DATE_EPOCH", "SETUPTOOLS_SCM_PRETEND_VERSION", "CC", "CFLAGS",
]  # fmt: skip


@pytest.mark.parametrize("name", REMOVED)
def test_what_publishes_or_reaches_github_is_taken_out(name: str) -> None:
    assert name not in build_environ({name: "x", "PATH": "/usr/bin"})


@pytest.mark.parametrize("name", KEPT)
def test_what_builds_need_is_kept(name: str) -> None:
    assert build_environ({name: "x"}) == {name: "x"}


def test_the_names_come_back_after_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INPUT_PASSWORD", "hunter2")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "abc")
    with without_credentials() as withheld:
        assert "INPUT_PASSWORD" not in os.environ
        assert {"INPUT_PASSWORD", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} <= set(withheld)
    assert os.environ["INPUT_PASSWORD"] == "hunter2"
    assert os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == "abc"
