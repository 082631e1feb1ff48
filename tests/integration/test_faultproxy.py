"""The fault-injecting proxy (tests/faultproxy.py) on real sockets, in front of a real
pypiserver and the warehouse stand-in: each fault does what it says, seen from the client and
from the index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
import requests
from twine.package import PackageFile
from twine.repository import Repository
from urllib3.filepost import encode_multipart_formdata

from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.warehouse import Warehouse
from tests.faultproxy import (
    Fault,
    FaultProxy,
    Seen,
    every,
    first_n,
    for_file,
    random_uploads,
    upload_filename,
    uploads_only,
)
from tests.pypiserver import PypiServer
from tests.unit.artefacts import make_wheel

PASS = Fault()


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    return make_wheel(folder)


@pytest.fixture
def proxy(pypiserver: PypiServer) -> Iterator[FaultProxy]:
    with FaultProxy(pypiserver.url) as running:
        yield running


def twine_upload(proxy: FaultProxy, index: PypiServer, wheel: Path) -> requests.Response:
    """Upload ``wheel`` through the proxy with twine's own Repository, as py-release does."""
    repository = Repository(
        proxy.url, index.user, index.password.reveal(), disable_progress_bar=True
    )
    with closing(repository):
        return repository.upload(PackageFile.from_filename(str(wheel), comment=None))


def post_upload(proxy: FaultProxy, index: PypiServer, wheel: Path) -> requests.Response:
    """One upload POST (twine's Repository would retry a 5xx itself)."""
    body, content_type = encode_multipart_formdata(
        {":action": "file_upload", "content": (wheel.name, wheel.read_bytes())}
    )
    return requests.post(
        proxy.url,
        data=body,
        headers={"Content-Type": content_type},
        auth=(index.user, index.password.reveal()),
        timeout=5,
    )


def on_index(index: PypiServer) -> list[str]:
    return sorted(path.name for path in index.packages.iterdir())


def test_pass_through_upload_arrives_and_reads_back(
    proxy: FaultProxy, pypiserver: PypiServer, wheel: Path
) -> None:
    response = twine_upload(proxy, pypiserver, wheel)
    assert (response.status_code, response.reason) == (200, "OK")
    assert on_index(pypiserver) == [wheel.name]
    with requests.Session() as session:
        through = session.get(f"{proxy.url}simple/py-release-sample/", timeout=5)
        direct = session.get(f"{pypiserver.simple_url}py-release-sample/", timeout=5)
    assert through.status_code == 200
    assert through.text == direct.text
    assert "#sha256=" in through.text
    assert proxy.seen == [
        Seen("POST", "/", PASS, 200),
        Seen("GET", "/simple/py-release-sample/", PASS, 200),
    ]


def test_reason_phrase_of_the_upstream_is_relayed(tmp_path: Path) -> None:
    identity = JobIdentity(repository="octo-org/sample-project", ref="refs/tags/v1.0.0")
    with (
        GitHubIssuer(identity=identity) as issuer,
        Warehouse(issuer=issuer, root=tmp_path / "warehouse") as warehouse,
        FaultProxy(warehouse.url) as proxy,
        requests.Session() as session,
    ):
        answers = [
            session.post(
                f"{base}legacy/",
                data={":action": "file_upload", "name": "py-release-sample"},
                auth=("__token__", "pypi-not-a-token"),
                timeout=5,
            )
            for base in (f"{warehouse.url}/", proxy.url)
        ]
    direct, through = answers
    assert through.status_code == direct.status_code == 403
    assert through.reason == direct.reason
    assert "Invalid or non-existent authentication information" in through.reason
    assert proxy.seen == [Seen("POST", "/legacy/", PASS, 403)]


@pytest.mark.parametrize(
    ("status", "reason"), [(503, "Service Unavailable"), (429, "Too Many Requests")]
)
def test_status_is_answered_by_the_proxy_with_retry_after(
    proxy: FaultProxy, pypiserver: PypiServer, wheel: Path, status: int, reason: str
) -> None:
    fault = Fault("status", status=status, retry_after="7")
    proxy.policy = uploads_only(fault)
    response = post_upload(proxy, pypiserver, wheel)
    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"
    assert response.reason == reason
    assert on_index(pypiserver) == []
    # Reads are not uploads: they pass.
    simple = requests.get(f"{proxy.url}simple/", timeout=5)
    assert simple.status_code == 200
    assert proxy.seen == [Seen("POST", "/", fault, None), Seen("GET", "/simple/", PASS, 200)]


def test_reset_before_forwarding_the_index_gets_nothing(
    proxy: FaultProxy, pypiserver: PypiServer, wheel: Path
) -> None:
    proxy.policy = for_file(wheel.name, Fault("reset-before"))
    with pytest.raises(requests.ConnectionError, match="reset by peer"):
        twine_upload(proxy, pypiserver, wheel)
    assert on_index(pypiserver) == []
    assert proxy.seen == [Seen("POST", "/", Fault("reset-before"), None)]


def test_reset_after_forwarding_the_index_has_the_file(
    proxy: FaultProxy, pypiserver: PypiServer, wheel: Path
) -> None:
    proxy.policy = uploads_only(Fault("reset-after"))
    with pytest.raises(requests.ConnectionError, match="reset by peer"):
        twine_upload(proxy, pypiserver, wheel)
    assert on_index(pypiserver) == [wheel.name]
    assert proxy.seen == [Seen("POST", "/", Fault("reset-after"), 200)]


def test_stall_then_close_without_answer(pypiserver: PypiServer) -> None:
    with FaultProxy(pypiserver.url, every(Fault("stall", stall=0.2))) as proxy:
        with pytest.raises(requests.ConnectionError, match="without response"):
            requests.get(f"{proxy.url}health", timeout=5)
        assert proxy.seen[0].upstream_status is None


def test_exit_is_prompt_while_a_handler_stalls(pypiserver: PypiServer) -> None:
    with FaultProxy(pypiserver.url, every(Fault("stall", stall=30.0))) as proxy:
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{proxy.url}health", timeout=0.3)
        started = time.monotonic()
    assert time.monotonic() - started < 1.0


def test_delay_adds_at_least_the_delay_and_requests_run_concurrently(
    proxy: FaultProxy,
) -> None:
    proxy.policy = every(Fault(delay=0.3))
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        codes = list(
            pool.map(lambda _: requests.get(f"{proxy.url}health", timeout=5).status_code, range(4))
        )
    elapsed = time.monotonic() - started
    assert codes == [200] * 4
    assert 0.3 <= elapsed < 0.9  # four delays of 0.3 s overlap
    assert [seen.upstream_status for seen in proxy.seen] == [200] * 4


def test_chunked_upload_is_forwarded_whole(
    proxy: FaultProxy, pypiserver: PypiServer, wheel: Path
) -> None:
    body, content_type = encode_multipart_formdata(
        {":action": "file_upload", "content": (wheel.name, wheel.read_bytes())}
    )
    response = requests.post(
        proxy.url,
        data=iter([body[:100], body[100:]]),  # a generator: sent with Transfer-Encoding: chunked
        headers={"Content-Type": content_type},
        auth=(pypiserver.user, pypiserver.password.reveal()),
        timeout=5,
    )
    assert response.status_code == 200
    assert (pypiserver.packages / wheel.name).read_bytes() == wheel.read_bytes()


def _upload_body(name: str) -> bytes:
    return encode_multipart_formdata({"content": (name, b"data")})[0]


def test_policies_pick_uploads_by_file_name() -> None:
    fault = Fault("reset-before")
    a, b = _upload_body("a-1.0.tar.gz"), _upload_body("b-1.0.tar.gz")
    assert upload_filename("POST", a) == "a-1.0.tar.gz"
    assert upload_filename("GET", a) is None
    assert upload_filename("POST", b"name=x") is None
    assert uploads_only(fault)("POST", "/", b) == fault
    assert uploads_only(fault)("GET", "/simple/", b"") == PASS
    only_a = for_file("a-1.0.tar.gz", fault)
    assert [only_a("POST", "/", body) for body in (a, b)] == [fault, PASS]
    twice = first_n(2, fault)
    picked = [twice("POST", "/", body) for body in (a, b, a, a, b, b)]
    assert picked == [fault, fault, fault, PASS, fault, PASS]
    one, other = random_uploads(0.3, fault, seed=6), random_uploads(0.3, fault, seed=6)
    draws = [one("POST", "/", a) for _ in range(1000)]
    assert draws == [other("POST", "/", a) for _ in range(1000)]  # the seed decides
    assert 230 < draws.count(fault) < 370
    assert random_uploads(1.0, fault)("GET", "/", a) == PASS
