"""Trusted Publishing and PEP 740 end to end under act: the real action.yml with
`id-token: write`, its ID-token variables, index and Sigstore from `py-release sandbox
--env-file`, exactly as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.sandbox_act import files_on, run_act_in_sandbox

pytestmark = pytest.mark.slow

WORKFLOW = Path(__file__).parent / "workflows" / "release-trusted.yml"


def test_a_tag_push_signs_and_publishes_through_trusted_publishing(
    tmp_path: Path, sandbox_env: dict[str, str], bootstrap_cache: Path
) -> None:
    run = run_act_in_sandbox(
        tmp_path, WORKFLOW, sandbox_env, "push", {"ref": "refs/tags/v1.0.0"}, bootstrap_cache
    )

    assert run.returncode == 0, run.log[-6000:]
    assert run.outputs["uploaded"] == "2"
    assert "Trusted Publishing: exchanged the job's ID token" in run.log
    assert "2 attestations signed" in run.log
    assert "provenance of 2 files verified" in run.log
    assert files_on(sandbox_env["PY_RELEASE_SANDBOX_INDEX"]) == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
