"""The pure parts of Trusted Publishing: where the exchange goes, and what the claims say."""

from __future__ import annotations

import pytest

from py_release.errors import TrustedPublishingError
from py_release.github.context import GitHubContext
from py_release.index.trusted_publishing import (
    check_job_can_publish,
    oidc_base,
    reusable_workflow_warning,
)


@pytest.mark.parametrize(
    ("upload_url", "base"),
    [
        ("https://upload.pypi.org/legacy/", "https://upload.pypi.org"),
        ("https://test.pypi.org/legacy/", "https://test.pypi.org"),
        ("https://pkgs.example.com:8443/pypi/legacy/", "https://pkgs.example.com:8443"),
        ("http://127.0.0.1:8080/legacy/", "http://127.0.0.1:8080"),
        ("http://127.5.6.7/legacy/", "http://127.5.6.7"),
        ("http://localhost:9000/legacy/", "http://localhost:9000"),
        ("http://[::1]:9000/legacy/", "http://[::1]:9000"),
    ],
)
def test_the_exchange_goes_to_the_upload_hosts_root(upload_url: str, base: str) -> None:
    assert oidc_base(upload_url) == base


@pytest.mark.parametrize(
    "upload_url", ["http://pkgs.example.com/legacy/", "http://10.0.0.5/legacy/"]
)
def test_plain_http_is_refused_off_loopback(upload_url: str) -> None:
    with pytest.raises(TrustedPublishingError, match="needs https") as caught:
        oidc_base(upload_url)
    assert "loopback" in caught.value.hint


def test_a_job_in_its_own_workflow_gets_no_warning() -> None:
    ref = "o/r/.github/workflows/release.yml@refs/tags/v1"
    assert reusable_workflow_warning({"workflow_ref": ref, "job_workflow_ref": ref}) is None
    assert reusable_workflow_warning({}) is None


def test_a_reusable_workflow_names_the_called_file() -> None:
    warning = reusable_workflow_warning(
        {
            "workflow_ref": "o/r/.github/workflows/ci.yml@refs/tags/v1",
            "job_workflow_ref": "o/shared/.github/workflows/publish.yml@refs/heads/main",
        }
    )
    assert warning is not None
    assert "must name 'publish.yml' (the called workflow), not 'ci.yml'" in warning


@pytest.mark.parametrize(
    ("context", "needle"),
    [
        (GitHubContext(event_name="pull_request_target", id_token_available=True),
         "pull_request_target"),
        (GitHubContext(event_name="pull_request", pull_request_from_fork=True,
                       id_token_available=True), "fork"),
        (GitHubContext(event_name="push", id_token_available=False), "id-token: write"),
    ],
    ids=["pull_request_target", "fork", "no-permission"],
)  # fmt: skip
def test_the_job_check_refuses_what_cannot_work(context: GitHubContext, needle: str) -> None:
    with pytest.raises(TrustedPublishingError) as caught:
        check_job_can_publish(context)
    assert needle in f"{caught.value.message} {caught.value.hint}"


def test_the_job_check_lets_a_tag_push_with_permission_through() -> None:
    check_job_can_publish(
        GitHubContext(event_name="push", ref="refs/tags/v1.0.0", id_token_available=True)
    )


def test_the_workflow_file_comes_from_the_workflow_ref() -> None:
    context = GitHubContext(workflow_ref="o/r/.github/workflows/release.yaml@refs/tags/v1")
    assert context.workflow_file == "release.yaml"
    assert GitHubContext().workflow_file is None
