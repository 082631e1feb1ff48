"""A fault-injecting HTTP proxy on 127.0.0.1 (stdlib only): each request goes to ``upstream``
whole (Host rewritten) and its answer comes back whole (reason phrase too), unless the policy's
``Fault`` adds latency, answers itself (503/429, Retry-After), resets the connection before or
after forwarding, or stalls. ``proxy.seen`` records each request."""

from __future__ import annotations

import contextlib
import http.client
import random
import re
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal, cast
from urllib.parse import urlsplit

_HOP_BY_HOP = frozenset(  # headers of one connection, not of the message (and Host, Length)
    ("connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "expect", "content-length", "host")
)  # fmt: skip
_FILENAME = re.compile(rb'filename="([^"]+)"')
_PHRASES = {status.value: status.phrase for status in HTTPStatus}
Headers = list[tuple[str, str]]
Answer = tuple[http.client.HTTPResponse, bytes]


@dataclass(frozen=True)
class Fault:
    kind: Literal["pass", "status", "reset-before", "reset-after", "stall"] = "pass"
    delay: float = 0.0  # seconds added before forwarding (any kind)
    status: int = 503  # kind="status": answered by the proxy, not forwarded
    retry_after: str | None = None  # Retry-After header of a kind="status" answer
    stall: float = 30.0  # kind="stall": hold the connection this long, then close, no answer


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    fault: Fault
    upstream_status: int | None  # None: the upstream was not asked (or did not answer)


Policy = Callable[[str, str, bytes], Fault]
PASS = Fault()


def upload_filename(method: str, body: bytes) -> str | None:
    """The file name of a multipart upload POST (the first ``filename="..."``), else None."""
    if method != "POST" or b"form-data" not in body[:4096]:
        return None
    match = _FILENAME.search(body)
    return match.group(1).decode("utf-8", "replace") if match else None


def every(fault: Fault) -> Policy:
    """The same fault for every request."""
    return lambda method, path, body: fault


def uploads_only(fault: Fault) -> Policy:
    """``fault`` for upload POSTs (multipart bodies), pass for everything else."""
    return lambda method, path, body: fault if upload_filename(method, body) else PASS


def for_file(filename: str, fault: Fault) -> Policy:
    """``fault`` for uploads of ``filename``, pass for everything else."""
    return lambda method, path, body: fault if upload_filename(method, body) == filename else PASS


def random_uploads(fraction: float, fault: Fault, seed: int = 0) -> Policy:
    """``fault`` for a seeded random ``fraction`` of upload POSTs."""
    rng, lock = random.Random(seed), threading.Lock()  # reproducible, not crypto

    def policy(method: str, path: str, body: bytes) -> Fault:
        with lock:
            return fault if upload_filename(method, body) and rng.random() < fraction else PASS

    return policy


def first_n(n: int, fault: Fault) -> Policy:
    """``fault`` for the first ``n`` upload attempts of each file, then pass."""
    attempts, lock = dict[str, int](), threading.Lock()

    def policy(method: str, path: str, body: bytes) -> Fault:
        if (name := upload_filename(method, body)) is None:
            return PASS
        with lock:
            attempts[name] = attempts.get(name, 0) + 1
            return fault if attempts[name] <= n else PASS

    return policy


class _Server(ThreadingHTTPServer):  # keeps each connection's socket and thread for exit
    proxy: FaultProxy

    def process_request(self, request: object, address: object) -> None:
        assert isinstance(request, socket.socket)
        thread = threading.Thread(target=self.process_request_thread, args=(request, address))
        thread.daemon = True
        with self.proxy.lock:
            live = [(s, t) for s, t in self.proxy.connections if t.is_alive()]
            self.proxy.connections = [*live, (request, thread)]
        thread.start()

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that went away mid-answer is part of the game


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients use an index

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the tests' captured output stays readable

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reset(self) -> None:  # a TCP RST (SO_LINGER 0) when the handler's files close, next
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _forward(self, proxy: FaultProxy, body: bytes) -> Answer | None:
        upstream = urlsplit(proxy.upstream)
        connection = http.client.HTTPConnection(upstream.netloc, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers |= {"Host": upstream.netloc, "Content-Length": str(len(body))}
        try:
            connection.request(self.command, upstream.path.rstrip("/") + self.path, body, headers)
            response = connection.getresponse()
            return response, response.read()  # all of it: the upstream is done with it
        except OSError:
            return None
        finally:
            connection.close()

    def _handle(self) -> None:
        proxy = cast(_Server, self.server).proxy
        body = self._read_body()
        fault = proxy.policy(self.command, self.path, body)
        recorded = False

        def record(status: int | None) -> None:
            # Before the answer goes out: the client's next request must find this one in
            # ``seen`` already, or the order of ``seen`` would race with this thread.
            nonlocal recorded
            if not recorded:
                recorded = True
                with proxy.lock:
                    proxy.seen.append(Seen(self.command, self.path, fault, status))

        try:
            if fault.delay > 0 and proxy.stopping.wait(fault.delay):
                self.close_connection = True
                return
            if fault.kind == "reset-before":
                self._reset()
            elif fault.kind == "stall":
                proxy.stopping.wait(fault.stall)
                self.close_connection = True
            elif fault.kind == "status":
                phrase = _PHRASES.get(fault.status, "Injected Fault")
                headers = [("Content-Type", "text/plain; charset=utf-8")]
                if fault.retry_after is not None:
                    headers.append(("Retry-After", fault.retry_after))
                record(None)
                self._send(fault.status, phrase, headers, f"{phrase} (from the proxy)\n".encode())
            else:
                answer = self._forward(proxy, body)
                record(answer[0].status if answer is not None else None)
                if fault.kind == "reset-after":
                    self._reset()
                elif answer is None:
                    self.send_error(HTTPStatus.BAD_GATEWAY, "the upstream did not answer")
                else:
                    response, payload = answer
                    self._send(response.status, response.reason, response.getheaders(), payload)
        finally:
            record(None)

    def _send(self, status: int, reason: str, headers: Headers, payload: bytes) -> None:
        self.send_response_only(status, reason)
        for key, value in headers:
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        if self.command == "HEAD" or status in (204, 304):  # keep the upstream's length
            length = next((v for k, v in headers if k.lower() == "content-length"), None)
            payload = b""
        else:
            length = str(len(payload))
        if length is not None:
            self.send_header("Content-Length", length)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815


class FaultProxy:
    """``with FaultProxy(upstream, policy) as proxy:`` serves on ``proxy.url`` until the block
    ends. ``policy`` may be replaced between requests; the default passes everything."""

    def __init__(self, upstream: str, policy: Policy | None = None) -> None:
        self.upstream = upstream
        self.policy: Policy = policy or every(Fault())
        self.seen: list[Seen] = []
        self.connections: list[tuple[socket.socket, threading.Thread]] = []
        self.lock = threading.Lock()  # for seen and connections
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``, serving the upstream's paths (only inside the block)."""
        assert self._server is not None, "the proxy runs only inside its with block"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> FaultProxy:
        self.stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()  # wakes delayed and stalled handlers
        server.shutdown()
        with self.lock:
            connections, self.connections = self.connections, []
        for sock, thread in connections:
            with contextlib.suppress(OSError):  # wakes a handler waiting on a keep-alive
                sock.shutdown(socket.SHUT_RDWR)
            thread.join(timeout=5)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
