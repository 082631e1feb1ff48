"""The real action.yml run by act (host mode) in a temporary git repository holding the
action and the sample project, against a real pypiserver on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e.act import ActRun, make_repository, run_act
from tests.pypiserver import PypiServer
from tests.secrets_registry import register_secret

pytestmark = pytest.mark.slow

WORKFLOW = Path(__file__).parent / "workflows" / "release.yml"


def run_act_on_index(
    tmp_path: Path, server: PypiServer, event_name: str, event: Mapping[str, object], version: str,
    cache: Path,
) -> ActRun:  # fmt: skip
    """tests/e2e/workflows/release.yml on ``event``, publishing to ``server`` with its
    password as the workflow's secret."""
    repo = make_repository(tmp_path, WORKFLOW, version=version)
    return run_act(
        repo, tmp_path, event_name, event, cache=cache,
        args=["--env", f"SRC={repo}", "--env", f"INDEX_URL={server.url}",
              "-s", f"INDEX_PASSWORD={server.password.reveal()}"],
    )  # fmt: skip


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
    run = run_act_on_index(
        tmp_path, index, "push", {"ref": "refs/tags/v1.0.0"}, "1.0.0", bootstrap_cache
    )

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
    run = run_act_on_index(tmp_path, index, "pull_request", event, "1.0.0", bootstrap_cache)

    assert run.returncode == 0, run.log[-6000:]
    assert on_index(index) == set()
    assert run.outputs["dry_run"] == "true"
    assert run.outputs["uploaded"] == "0"
    assert {f["status"] for f in json.loads(run.outputs["files"])} == {"would upload"}


def test_tag_that_differs_from_the_version_fails_before_upload(
    tmp_path: Path, index: PypiServer, bootstrap_cache: Path
) -> None:
    run = run_act_on_index(
        tmp_path, index, "push", {"ref": "refs/tags/v1.0.1"}, "1.0.0", bootstrap_cache
    )

    assert run.returncode != 0
    assert "does not match the version of the distributions, 1.0.0" in run.log
    assert on_index(index) == set()
    assert run.outputs["uploaded"] in ("", "0")


def test_hostile_file_names_set_no_output_and_mask_nothing_under_act(
    tmp_path: Path, index: PypiServer, bootstrap_cache: Path
) -> None:
    from tests.e2e.act import commit_all

    repo = make_repository(tmp_path, WORKFLOW, version="1.0.0")
    package = repo / "examples" / "sample-project" / "src" / "py_release_sample"
    # A checkout's file names are the project's: these reach the log and the summary.
    (package / "a\n::set-output name=version::6.6.6\n::add-mask::1.0.0\n.txt").write_text("")
    commit_all(repo, "hostile file names")
    event = {"pull_request": {"number": 7, "head": {"ref": "x", "repo": {"fork": False}},
                              "base": {"ref": "main"}}}  # fmt: skip
    run = run_act(
        repo, tmp_path, "pull_request", event, cache=bootstrap_cache,
        args=["--env", f"SRC={repo}", "--env", f"INDEX_URL={index.url}",
              "-s", f"INDEX_PASSWORD={index.password.reveal()}"],
    )  # fmt: skip

    # The names are in the log as text; neither command was run.
    assert "set-output name=version" in run.log, run.log[-6000:]
    assert run.outputs["version"] == "1.0.0"
    # The summary, echoed into the log after the names: 1.0.0 was not masked.
    assert "| Version | `1.0.0` |" in run.log
    assert "| Version | `***` |" not in run.log
    assert on_index(index) == set()
