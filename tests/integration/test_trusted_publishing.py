"""Trusted Publishing through the release sandbox: the real CLI, the real `id` library and
real HTTP against the issuer and warehouse stand-ins. Each error is produced for real and
must stop the run with its hint before anything is uploaded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from py_release.errors import TrustedPublishingError
from py_release.index.trusted_publishing import get_audience, mint_token
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from py_release.secrets import Secret
from tests.helpers import CliRun, dist_names, run_cli
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_secret

PROJECT = "py-release-sample"
IDENTITY = JobIdentity(repository="octo-org/sample-project", ref="refs/tags/v1.0.0")
WORKFLOW_REF = f"{IDENTITY.repository}/.github/workflows/release.yml@{IDENTITY.ref}"
PUBLISHER = TrustedPublisher(
    project=PROJECT,
    repository="octo-org/sample-project",
    repository_owner_id=IDENTITY.repository_owner_id,
    workflow_file="release.yml",
    environment="pypi",
)


@pytest.fixture
def issuer() -> Iterator[GitHubIssuer]:
    with GitHubIssuer(identity=IDENTITY) as running:
        register_secret(running.request_token.reveal())
        yield running


@pytest.fixture
def warehouse(issuer: GitHubIssuer, tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(issuer=issuer, root=tmp_path / "warehouse") as running:
        running.add_publisher(PUBLISHER)
        yield running


def _register_all(issuer: GitHubIssuer, warehouse: Warehouse | None) -> None:
    for token in issuer.issued:
        register_secret(token)
    for minted in warehouse.minted if warehouse else []:
        register_secret(minted.reveal())


def release(
    issuer: GitHubIssuer,
    upload_url: str,
    packages: Path,
    tmp_path: Path,
    *,
    warehouse: Warehouse | None = None,
    env: dict[str, str] | None = None,
    with_id_token: bool = True,
    extra: tuple[str, ...] = (),
) -> CliRun:
    """Run `py-release publish` as the action would on a tag push, without a password."""
    environ = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": IDENTITY.ref,
        "GITHUB_REPOSITORY": IDENTITY.repository,
        "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
    }
    if with_id_token:
        environ |= issuer.env()
    environ |= env or {}
    run = run_cli(
        ["publish", "--repository-url", upload_url, "--packages-dir", str(packages),
         "--attestations", "false", *extra],
        tmp_path,
        environ,
    )  # fmt: skip
    # The tokens exist only once the run asked for them: scan everything again now.
    _register_all(issuer, warehouse)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))
    return run


def test_publishes_with_trusted_publishing_and_masks_every_token(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse)

    assert run.returncode == 0, run.log
    assert set(warehouse.files(PROJECT)) == dist_names(packages_dir)
    assert run.outputs["uploaded"] == "2"
    assert "Trusted Publishing: exchanged the job's ID token" in run.summary
    masked = {line.removeprefix("::add-mask::") for line in run.stdout.splitlines()
              if line.startswith("::add-mask::")}  # fmt: skip
    assert set(issuer.issued) <= masked
    assert {token.reveal() for token in warehouse.minted} <= masked
    # Each secret is masked before the line that first uses it could be printed.
    first_mask = run.stdout.index("::add-mask::")
    assert "Upload to" not in run.stdout[:first_mask]


def _assert_stopped(run: CliRun, warehouse: Warehouse | None, *needles: str) -> None:
    assert run.returncode == 1, run.log
    assert "Traceback" not in run.log
    for needle in needles:
        assert needle in run.stderr, run.stderr
    assert "hint:" in run.stderr
    if warehouse is not None:
        assert warehouse.uploads == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"repository": "someone-else/sample-project"}, "repository", id="repository"),
        pytest.param({"repository_owner_id": "999999"}, "repository_owner_id", id="owner-id"),
        pytest.param({"workflow_file": "other.yml"}, "job_workflow_ref", id="workflow-file"),
        pytest.param({"environment": "staging"}, "environment", id="environment"),
    ],
)
def test_a_job_that_does_not_match_the_publisher_gets_the_claims_table(
    change: dict[str, str],
    reason: str,
    issuer: GitHubIssuer,
    warehouse: Warehouse,
    packages_dir: Path,
    tmp_path: Path,
) -> None:
    issuer.identity = replace(IDENTITY, **change)  # type: ignore[arg-type]

    run = release(issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse)

    _assert_stopped(run, warehouse, "invalid-publisher", "Fix the publisher")
    table = run.stderr[run.stderr.index("hint:") :]
    for claim in ("sub", "repository", "repository_owner_id", "job_workflow_ref", "environment"):
        assert f"  {claim} " in table
    changed = next(iter(change.values()))
    assert changed in table
    assert f"/manage/project/{PROJECT}/settings/publishing/" in table


def test_an_expired_id_token_is_refused_as_invalid_token(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    issuer.token_lifetime = -120  # expired well beyond warehouse's 30 s leeway

    run = release(issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse)

    _assert_stopped(run, warehouse, "invalid-token", "re-run the job")


def test_a_missing_claim_in_the_token_is_named(
    issuer: GitHubIssuer, warehouse: Warehouse, tmp_path: Path
) -> None:
    with requests.Session() as session:
        token = Secret(register_secret(issuer.mint("pypi", repository_owner_id=None)))
        with pytest.raises(TrustedPublishingError) as caught:
            mint_token(session, warehouse.url, token, project=PROJECT)
    assert "Missing claim 'repository_owner_id'" in caught.value.message
    assert "repository_owner_id  MISSING" in caught.value.hint


@pytest.mark.parametrize(
    ("token_kind", "code"),
    [
        pytest.param("wrong-audience", "invalid-token", id="wrong-audience"),
        pytest.param("not-a-jwt", "invalid-payload", id="malformed"),
        pytest.param("reused", "invalid-reuse-token", id="reused-jti"),
    ],
)
def test_tokens_the_index_refuses_get_their_own_hint(
    token_kind: str, code: str, issuer: GitHubIssuer, warehouse: Warehouse
) -> None:
    with requests.Session() as session:
        if token_kind == "wrong-audience":
            token = Secret(register_secret(issuer.mint("testpypi")))
        elif token_kind == "not-a-jwt":
            token = Secret("not-a-jwt")
        else:
            token = Secret(register_secret(issuer.mint("pypi")))
            register_secret(
                mint_token(session, warehouse.url, token, project=PROJECT).token.reveal()
            )
        with pytest.raises(TrustedPublishingError) as caught:
            mint_token(session, warehouse.url, token, project=PROJECT)
    assert code in caught.value.message
    expected_hint = {
        "invalid-token": "rejected the ID token itself",
        "invalid-payload": "could not read the token request",
        "invalid-reuse-token": "fresh ID token",
    }[code]
    assert expected_hint in caught.value.hint


def test_a_pending_publisher_cannot_take_an_existing_project(
    issuer: GitHubIssuer, tmp_path: Path
) -> None:
    with Warehouse(issuer=issuer, root=tmp_path / "w") as warehouse, requests.Session() as session:
        warehouse.add_project("existing-project")
        warehouse.add_publisher(replace(PUBLISHER, project="existing-project", pending=True))
        token = Secret(register_secret(issuer.mint("pypi")))
        with pytest.raises(TrustedPublishingError) as caught:
            mint_token(session, warehouse.url, token, project="existing-project")
    assert "invalid-pending-publisher" in caught.value.message
    assert "add a trusted publisher in the project's settings" in caught.value.hint


def test_without_id_token_permission_nothing_is_requested(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(
        issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse,
        with_id_token=False,
    )  # fmt: skip

    _assert_stopped(run, warehouse, "cannot request an ID token", "id-token: write")
    assert issuer.issued == []
    assert warehouse.minted == []


def test_a_pull_request_from_a_fork_is_refused_with_the_reason(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"fork": True}}}}))

    run = release(
        issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse,
        env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)},
        extra=("--dry-run", "false"),
    )  # fmt: skip

    _assert_stopped(run, warehouse, "pull request from a fork", "workflow_dispatch")
    assert issuer.issued == []


def test_pull_request_target_is_refused_before_any_request(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(
        issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse,
        env={"GITHUB_EVENT_NAME": "pull_request_target"}, extra=("--dry-run", "false"),
    )  # fmt: skip

    _assert_stopped(run, warehouse, "pull_request_target")
    assert issuer.issued == []
    assert warehouse.minted == []


def test_an_index_with_trusted_publishing_disabled(
    issuer: GitHubIssuer, packages_dir: Path, tmp_path: Path
) -> None:
    with Warehouse(issuer=issuer, root=tmp_path / "w", trusted_publishing=False) as warehouse:
        run = release(issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse)
        with requests.Session() as session:
            token = Secret(register_secret(issuer.mint("pypi")))
            with pytest.raises(TrustedPublishingError) as caught:
                mint_token(session, warehouse.url, token, project=PROJECT)

    _assert_stopped(run, warehouse, "has Trusted Publishing disabled", "API token")
    assert "not-enabled" in caught.value.message
    assert "switched off" in caught.value.hint


def test_an_index_without_trusted_publishing(
    issuer: GitHubIssuer, pypiserver: PypiServer, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(issuer, pypiserver.url, packages_dir, tmp_path)

    _assert_stopped(run, None, "does not offer Trusted Publishing", "API token")
    assert list(pypiserver.packages.iterdir()) == []
    with requests.Session() as session, pytest.raises(TrustedPublishingError):
        get_audience(session, pypiserver.url.rstrip("/"))


def test_a_reusable_workflow_gets_a_warning_naming_the_called_file(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    issuer.identity = replace(
        IDENTITY, workflow_ref=f"{IDENTITY.repository}/.github/workflows/ci.yml@{IDENTITY.ref}"
    )

    run = release(issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse)

    assert run.returncode == 0, run.log
    assert "::warning title=Potential workflow misconfiguration::" in run.stdout
    assert "must name 'release.yml' (the called workflow), not 'ci.yml'" in run.stdout


def test_dry_run_mints_nothing_and_says_what_would_happen(
    issuer: GitHubIssuer, warehouse: Warehouse, packages_dir: Path, tmp_path: Path
) -> None:
    run = release(
        issuer, warehouse.upload_url, packages_dir, tmp_path, warehouse=warehouse,
        extra=("--dry-run",),
    )  # fmt: skip

    assert run.returncode == 0, run.log
    assert issuer.issued == []
    assert warehouse.minted == []
    assert "a real run would use Trusted Publishing" in run.summary
    assert "ID-token request variables are present" in run.summary
