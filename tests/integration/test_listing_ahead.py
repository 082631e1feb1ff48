"""The index query's read starts when the file names are known and runs beside the check:
the run makes one listing read before the upload and one after it, and what the read ahead
found or raised is what the query stage reports."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from py_release import release
from py_release.decide import decide_stage
from py_release.distributions.build import build_stage
from py_release.environment import Environment
from py_release.errors import IndexQueryError
from py_release.index.query import query_stage, read_listing_ahead
from py_release.plan import Plan, Record
from tests.faultproxy import PASS, Fault, FaultProxy
from tests.integration.test_fault_tolerance import environment
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_secret
from tests.unit.artefacts import make_sdist, make_wheel

NAME, VERSION = "ahead-sample", "2.0.0"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PypiServer]:
    with PypiServer(root=tmp_path / "index") as server:
        register_secret(server.password.reveal())
        yield server


def _environment(url: str, index: PypiServer, packages: Path, log: io.StringIO) -> Environment:
    return environment(url, index, packages, log, build="false", **{"verify-metadata": "true"})


def _release_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_sdist(folder, name=NAME, version=VERSION),
        make_wheel(folder, name=NAME, version=VERSION),
    ]


def _built(env: Environment) -> Plan:
    record = Record()
    for opening in release.OPENING:
        record = opening(record, env)
    return build_stage(decide_stage(record, env), env)


def _is_listing(method: str, path: str) -> bool:
    return method == "GET" and "/simple/" in path


def _listing_reads(proxy: FaultProxy) -> list[str]:
    return [s.path for s in proxy.seen if _is_listing(s.method, s.path)]


def test_the_read_runs_in_the_background_and_the_query_stage_takes_its_answer(
    index: PypiServer, tmp_path: Path
) -> None:
    files = _release_files(tmp_path / "dist")
    (index.packages / files[1].name).write_bytes(files[1].read_bytes())  # one already there
    held, release_read = threading.Event(), threading.Event()

    def hold_listing(method: str, path: str, body: bytes) -> Fault:
        if _is_listing(method, path):
            held.set()
            release_read.wait(10)
        return PASS

    log = io.StringIO()
    with FaultProxy(index.url, hold_listing) as proxy:
        env = _environment(proxy.url, index, tmp_path / "dist", log)
        plan = _built(env)
        # Returns while the index has not answered: the read is someone else's to wait for.
        read_listing_ahead(plan, env)
        assert held.wait(10), "the read ahead never reached the index"
        assert len(env.listings_ahead) == 1
        release_read.set()
        plan = release.check_stage(plan, env)
        queried = query_stage(plan, env)

    assert env.listings_ahead == {}
    assert len(_listing_reads(proxy)) == 1
    assert queried.statuses == {files[0].name: "pending", files[1].name: "already on index"}
    assert_no_secrets(log.getvalue())


def test_a_whole_run_reads_the_listing_once_before_the_upload_and_once_after(
    index: PypiServer, tmp_path: Path
) -> None:
    files = _release_files(tmp_path / "dist")
    log = io.StringIO()
    with FaultProxy(index.url) as proxy:
        env = _environment(proxy.url, index, tmp_path / "dist", log)
        plan = release.run_release(env)

    assert plan.count("uploaded") == len(files)
    assert len(_listing_reads(proxy)) == 2  # the query (read ahead) and the verify stage
    assert env.listings_ahead == {}
    assert_no_secrets(log.getvalue())


def test_an_index_that_cannot_be_read_is_reported_by_the_query_stage(
    index: PypiServer, tmp_path: Path
) -> None:
    _release_files(tmp_path / "dist")

    def broken_listing(method: str, path: str, body: bytes) -> Fault:
        if _is_listing(method, path):
            return Fault(kind="status", status=500)
        return PASS

    log = io.StringIO()
    with FaultProxy(index.url, broken_listing) as proxy:
        env = _environment(proxy.url, index, tmp_path / "dist", log)
        plan = _built(env)
        read_listing_ahead(plan, env)
        plan = release.check_stage(plan, env)
        with pytest.raises(IndexQueryError, match=r"simple API .* answered 500"):
            query_stage(plan, env)

    assert not [s for s in proxy.seen if s.method == "POST"]


def test_a_folder_of_two_releases_is_not_read_ahead(index: PypiServer, tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    _release_files(folder)
    make_wheel(folder, name=NAME, version="2.0.1")
    log = io.StringIO()
    env = _environment(index.url, index, folder, log)
    plan = _built(env)
    read_listing_ahead(plan, env)
    assert env.listings_ahead == {}
