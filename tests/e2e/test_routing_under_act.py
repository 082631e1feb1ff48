"""`repository: auto` rehearsed under act against the sandbox's PyPI and TestPyPI stand-ins:
a branch push goes to TestPyPI, a release tag to PyPI with attestations, a pull request
nowhere. The workflow names no index, password or trust config; the PY_RELEASE_SANDBOX_*
variables from `py-release sandbox --env-file` redirect PyPI and TestPyPI to the stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.e2e.sandbox_act import PROJECT, files_on, run_act_in_sandbox

pytestmark = pytest.mark.slow

WORKFLOW = Path(__file__).parent / "workflows" / "release-routing.yml"
FILES = {"py_release_sample-1.0.0.tar.gz", "py_release_sample-1.0.0-py3-none-any.whl"}


def _label(sandbox_env: dict[str, str], which: str) -> str:
    variable = f"PY_RELEASE_SANDBOX_{which.upper()}"
    return f"{which} (sandbox stand-in at {sandbox_env[variable]})"


def test_a_branch_push_goes_to_the_testpypi_stand_in_only(
    tmp_path: Path, sandbox_env: dict[str, str], bootstrap_cache: Path
) -> None:
    run = run_act_in_sandbox(
        tmp_path, WORKFLOW, sandbox_env, "push", {"ref": "refs/heads/main"}, bootstrap_cache
    )

    assert run.returncode == 0, run.log[-6000:]
    testpypi = _label(sandbox_env, "TestPyPI")
    assert f"index: {testpypi} (repository is auto and push is not for a tag)" in run.log
    assert "Trusted Publishing: exchanged the job's ID token" in run.log
    assert run.outputs["uploaded"] == "2"
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_TESTPYPI"]) == FILES
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_PYPI"]) == set()


def test_a_release_tag_goes_to_the_pypi_stand_in_only_with_attestations(
    tmp_path: Path, sandbox_env: dict[str, str], bootstrap_cache: Path
) -> None:
    run = run_act_in_sandbox(
        tmp_path, WORKFLOW, sandbox_env, "push", {"ref": "refs/tags/v1.0.0"}, bootstrap_cache
    )

    assert run.returncode == 0, run.log[-6000:]
    pypi = _label(sandbox_env, "PyPI")
    assert f"index: {pypi} (repository is auto and tag v1.0.0 is a release tag)" in run.log
    assert "2 attestations signed" in run.log
    assert "provenance of 2 files verified" in run.log
    assert run.outputs["uploaded"] == "2"
    upload_url = sandbox_env["PY_RELEASE_SANDBOX_PYPI"]
    assert files_on(upload_url) == FILES
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_TESTPYPI"]) == set()
    # The stand-in accepted the attestations with the files and serves them as provenance.
    root = upload_url.removesuffix("legacy/")
    for filename in FILES:
        provenance = requests.get(
            f"{root}integrity/{PROJECT}/1.0.0/{filename}/provenance", timeout=10
        )
        assert provenance.status_code == 200
        assert len(provenance.json()["attestation_bundles"][0]["attestations"]) == 1


def test_a_pull_request_is_a_dry_run_that_uploads_nowhere(
    tmp_path: Path, sandbox_env: dict[str, str], bootstrap_cache: Path
) -> None:
    event = {
        "pull_request": {"number": 7, "head": {"ref": "feature", "repo": {"fork": False}},
                         "base": {"ref": "main"}},
    }  # fmt: skip
    run = run_act_in_sandbox(
        tmp_path, WORKFLOW, sandbox_env, "pull_request", event, bootstrap_cache
    )

    assert run.returncode == 0, run.log[-6000:]
    testpypi = _label(sandbox_env, "TestPyPI")
    assert f"index: {testpypi} (repository is auto and this is a pull request (dry run))" in (
        run.log
    )
    assert run.outputs["dry_run"] == "true"
    assert run.outputs["uploaded"] == "0"
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_TESTPYPI"]) == set()
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_PYPI"]) == set()
