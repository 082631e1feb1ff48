"""The action's container, run as GitHub runs a container action: the workspace mounted at
/github/workspace, the event and the file-command files mounted, INPUT_* and GITHUB_* set.
The images are the project's Dockerfile built on Debian bases (bookworm: Python 3.11.2, below
3.11.4's tar filters; trixie: 3.13) by scripts/container-images, which .ci/run runs and names
in PY_RELEASE_CONTAINER_IMAGES."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import Sandbox, start_sandbox
from tests.helpers import SAMPLE_PROJECT, parse_github_output
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_sandbox_tokens, register_secret

pytestmark = pytest.mark.slow

IMAGES = [name for name in os.environ.get("PY_RELEASE_CONTAINER_IMAGES", "").split(",") if name]
IDENTITY = JobIdentity(repository="octo-org/sample-project", ref="refs/tags/v1.0.0")
WORKFLOW_REF = f"{IDENTITY.repository}/.github/workflows/release.yml@{IDENTITY.ref}"


@pytest.fixture(params=IMAGES or [""], ids=lambda image: image.split(":")[-1] or "none")
def image(request: pytest.FixtureRequest) -> str:
    if not request.param:
        pytest.skip("no container images: scripts/container-images builds them (.ci/run does)")
    return str(request.param)


@dataclass(frozen=True)
class ContainerRun:
    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str


def _run_container(
    image: str, root: Path, event_name: str, event: Mapping[str, object], env: Mapping[str, str]
) -> ContainerRun:
    """``docker run`` as the runner does it for ``uses: docker://IMAGE``."""
    workspace, workflow, commands, home = (root / n for n in ("workspace", "workflow",
                                                             "file_commands", "home"))  # fmt: skip
    for folder in (workflow, commands, home):
        folder.mkdir(parents=True, exist_ok=True)
    (workflow / "event.json").write_text(json.dumps(event))
    (commands / "set_output").write_text("")
    (commands / "step_summary").write_text("")
    variables = {
        "HOME": "/github/home",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
        "GITHUB_REPOSITORY": IDENTITY.repository,
        "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
        "RUNNER_TEMP": "/github/home",
        **env,
    }
    command = ["docker", "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
    for source, target in ((workspace, "workspace"), (workflow, "workflow"),
                           (commands, "file_commands"), (home, "home")):  # fmt: skip
        command += ["-v", f"{source}:/github/{target}"]
    for name in variables:
        command += ["-e", name]
    result = subprocess.run(
        [*command, image],
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return ContainerRun(
        result.returncode,
        result.stdout + result.stderr,
        parse_github_output((commands / "set_output").read_text()),
        (commands / "step_summary").read_text(),
    )


def _workspace(root: Path) -> Path:
    workspace = root / "workspace"
    shutil.copytree(SAMPLE_PROJECT, workspace, ignore=shutil.ignore_patterns("dist", "build"))
    return workspace


def test_a_pull_request_dry_run_builds_the_sample(image: str, tmp_path: Path) -> None:
    _workspace(tmp_path)
    event = {"pull_request": {"number": 7, "head": {"repo": {"full_name": IDENTITY.repository}},
                              "base": {"repo": {"full_name": IDENTITY.repository}}}}  # fmt: skip

    with PypiServer() as index:
        register_secret(index.password.reveal())
        run = _run_container(
            image, tmp_path, "pull_request", event,
            {"INPUT_REPOSITORY-URL": index.url, "INPUT_USER": index.user,
             "INPUT_PASSWORD": index.password.reveal(), "INPUT_DOCTOR": "off",
             "INPUT_AUDIT": "off"},
        )  # fmt: skip
        held = list(index.packages.iterdir())

    assert run.returncode == 0, run.log
    assert held == []
    assert_no_secrets(run.log, run.summary)
    assert "building the sdist" in run.log
    assert "py-release-sample 1.0.0: all 2 files pass" in run.log, run.log
    assert run.outputs["dry-run"] == "true"
    assert {f["status"] for f in json.loads(run.outputs["files"])} == {"would upload"}
    assert {f["name"] for f in json.loads(run.outputs["files"])} == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
    assert "py-release-sample 1.0.0" in run.summary
    assert "Traceback" not in run.log


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(IDENTITY, "py-release-sample") as running:
        register_secret(running.issuer.request_token.reveal())
        yield running


def test_a_tag_release_through_trusted_publishing_with_attestations(
    image: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    _workspace(tmp_path)
    assert sandbox.sigstore is not None
    trust = tmp_path / "home" / "sigstore-trust-config.json"
    trust.parent.mkdir(parents=True)
    shutil.copy2(sandbox.sigstore.trust_config_path, trust)

    run = _run_container(
        image, tmp_path, "push", {"ref": IDENTITY.ref},
        {"GITHUB_REF": IDENTITY.ref, "INPUT_REPOSITORY-URL": sandbox.warehouse.upload_url,
         "INPUT_SIGSTORE-TRUST-CONFIG": "/github/home/sigstore-trust-config.json",
         "INPUT_DOCTOR": "off", "INPUT_AUDIT": "off", **sandbox.issuer.env()},
    )  # fmt: skip
    register_sandbox_tokens(sandbox)
    assert_no_secrets(run.log, run.summary, json.dumps(run.outputs))

    assert run.returncode == 0, run.log
    assert set(sandbox.warehouse.files("py-release-sample")) == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
    assert sandbox.sigstore.entries == 2
    assert run.outputs["uploaded"] == "2"
    assert run.outputs["version"] == "1.0.0"
    assert "provenance of 2 files verified" in run.summary


DOCKER_WORKFLOW = """\
name: release
on: pull_request
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - id: release
        uses: docker://{image}
        with:
          repository-url: {index}
          user: {user}
          password: ${{{{ secrets.INDEX_PASSWORD }}}}
          doctor: "off"
      - name: Hand the outputs to the test
        env:
          OUT_VERSION: ${{{{ steps.release.outputs.version }}}}
          OUT_FILES: ${{{{ steps.release.outputs.files }}}}
        run: env | grep '^OUT_' | sort > results.env
"""


def test_uses_docker_as_the_readme_documents_it(image: str, tmp_path: Path) -> None:
    """`uses: docker://IMAGE` in a workflow, run by act in Docker mode: the job in a container
    of the image's Debian base, the action's container beside it, the workspace bound in."""
    from tests.e2e.act import act_binary

    workspace = _workspace(tmp_path)
    base = image.replace("py-release:", "py-release-base:")
    with PypiServer() as index:
        register_secret(index.password.reveal())
        (workspace / ".github" / "workflows").mkdir(parents=True)
        (workspace / ".github" / "workflows" / "release.yml").write_text(
            DOCKER_WORKFLOW.format(image=image, index=index.url, user=index.user)
        )
        (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 1}}))
        run = subprocess.run(
            [act_binary(), "pull_request", "-e", str(tmp_path / "event.json"),
             "-P", f"ubuntu-latest={base}", "--pull=false", "--bind",
             "-s", f"INDEX_PASSWORD={index.password.reveal()}"],
            cwd=workspace, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        held = list(index.packages.iterdir())
    log = run.stdout + run.stderr
    assert_no_secrets(log)

    assert run.returncode == 0, log[-6000:]
    results = dict(
        line.split("=", 1) for line in (workspace / "results.env").read_text().splitlines()
    )
    assert results["OUT_VERSION"] == "1.0.0"
    assert {f["status"] for f in json.loads(results["OUT_FILES"])} == {"would upload"}
    assert held == []
