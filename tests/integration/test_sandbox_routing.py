"""The release sandbox's two stand-ins (PyPI and TestPyPI) and the redirect to them: the real
CLI, given only what `py-release sandbox` hands act, publishes a branch push to the TestPyPI
stand-in with Trusted Publishing and verified attestations, and nothing to the PyPI one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from py_release.errors import TrustedPublishingError
from py_release.index.trusted_publishing import get_audience, mint_token
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from py_release.sandbox.warehouse import Warehouse
from py_release.secrets import Secret
from tests.helpers import run_cli
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret

PROJECT = "py-release-sample"
IDENTITY = JobIdentity(repository="octo-org/sample-project", environment="pypi")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(IDENTITY, PROJECT) as running:
        register_secret(running.issuer.request_token.reveal())
        yield running
        for token in running.issuer.issued:
            register_secret(token)


def _testpypi(sandbox: Sandbox) -> Warehouse:
    assert sandbox.testpypi is not None
    return sandbox.testpypi


def _files(warehouse: Warehouse) -> set[str]:
    page = requests.get(
        f"{warehouse.simple_url}{PROJECT}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=10,
    )
    return {f["filename"] for f in page.json()["files"]} if page.status_code == 200 else set()


def test_act_env_names_both_stand_ins_and_the_trust_config(sandbox: Sandbox) -> None:
    env = sandbox.act_env()
    testpypi = _testpypi(sandbox)
    assert sandbox.sigstore is not None

    assert testpypi.url != sandbox.warehouse.url
    assert env["PY_RELEASE_SANDBOX_PYPI"] == sandbox.warehouse.upload_url
    assert env["PY_RELEASE_SANDBOX_INDEX"] == sandbox.warehouse.upload_url
    assert env["PY_RELEASE_SANDBOX_TESTPYPI"] == testpypi.upload_url
    assert env["PY_RELEASE_SANDBOX_TRUST_CONFIG"] == str(sandbox.sigstore.trust_config_path)
    assert env["ACTIONS_ID_TOKEN_REQUEST_URL"] == sandbox.issuer.request_url


def test_testpypi_s_publisher_takes_any_environment_and_pypi_s_only_its_own(
    sandbox: Sandbox,
) -> None:
    testpypi = _testpypi(sandbox)
    with requests.Session() as session:
        for warehouse in (testpypi, sandbox.warehouse):
            audience = get_audience(session, warehouse.url)
            token = Secret(register_secret(sandbox.issuer.mint(audience, environment="testpypi")))
            if warehouse is testpypi:
                minted = mint_token(session, warehouse.url, token, project=PROJECT)
                register_secret(minted.token.reveal())
            else:
                with pytest.raises(TrustedPublishingError, match="no corresponding publisher"):
                    mint_token(session, warehouse.url, token, project=PROJECT)


def test_a_branch_push_routed_by_auto_lands_on_the_testpypi_stand_in_only(
    sandbox: Sandbox, packages_dir: Path, tmp_path: Path
) -> None:
    testpypi = _testpypi(sandbox)
    environ = sandbox.act_env() | {
        "ACT": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REPOSITORY": IDENTITY.repository,
        "GITHUB_WORKFLOW_REF": f"{IDENTITY.default_workflow_ref}",
    }
    run = run_cli(
        ["publish", "--repository", "auto", "--packages-dir", str(packages_dir)],
        tmp_path,
        environ,
    )
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.stdout, run.stderr, run.summary, json.dumps(run.outputs))

    assert run.returncode == 0, run.log
    assert (
        f"index: TestPyPI (sandbox stand-in at {testpypi.upload_url}) "
        "(repository is auto and push is not for a tag)"
    ) in run.log
    assert f"| Index | TestPyPI (sandbox stand-in at {testpypi.upload_url})" in run.summary
    assert "2 attestations signed" in run.summary
    assert "provenance of 2 files verified" in run.summary
    assert run.outputs["index-url"] == testpypi.simple_url
    assert _files(testpypi) == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
    assert _files(sandbox.warehouse) == set()
    assert sandbox.warehouse.minted == []
