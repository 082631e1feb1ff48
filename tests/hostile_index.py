"""A deliberately hostile package index on loopback: its reason phrases, bodies and listed
hashes are workflow commands and Markdown, as an index under someone else's control could send.
Each answer is set by the test; the index records what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Lines a runner would take as commands, and Markdown that would render, were they let through.
COMMANDS = (
    "\r::add-mask::1.0.0\n::set-output name=version::6.6.6\n"
    "  ::stop-commands::hostile-token\n##[add-mask]py_release_sample\n"
    "<img src=x onerror=alert(1)> [link](https://evil.example/)"
)


@dataclass
class HostileIndex:
    url: str = ""
    # What a POST to the upload URL answers: status, reason phrase, body.
    upload_answer: tuple[int, str, str] = (200, "OK", "")
    # The JSON listing of the simple API after the first upload (None: 404 until then).
    listing: dict[str, object] | None = None
    posts: list[str] = field(default_factory=list)
    # Put the request's Authorization header into the refusal, as a careless proxy does.
    echo_authorization: bool = False

    @property
    def upload_url(self) -> str:
        return f"{self.url}legacy/"


@contextmanager
def hostile_index() -> Iterator[HostileIndex]:
    state = HostileIndex()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if state.listing is None or not state.posts:
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps(state.listing).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            state.posts.append(self.path)
            status, reason, body = state.upload_answer
            if state.echo_authorization:
                body = f"you sent: Authorization: {self.headers.get('Authorization')}\n{body}"
            data = body.encode()
            self.send_response(status, reason)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
