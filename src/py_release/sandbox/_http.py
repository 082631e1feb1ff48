"""Server plumbing shared by the sandbox's HTTP stand-ins.

Each stand-in is a werkzeug WSGI app served by a threaded werkzeug server on a free port of
127.0.0.1, in a daemon thread, for the length of a ``with`` block (``ServedOnLoopback``); one
that keeps files keeps them in a ``ScratchFolder``, temporary unless it was given a root.
"""

from __future__ import annotations

import functools
import html
import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Self, TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from py_release.errors import ReleaseError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Handler = Callable[..., Response]
# One route: HTTP method, werkzeug rule (``/simple/<project>/``), and the handler called with
# the request and the rule's arguments.
Route = tuple[str, str, Handler]

State = TypeVar("State")
# A stand-in made of a state object and endpoint functions lists its routes with endpoints
# called with that state first, then the request and the rule's arguments (``bound_to``).
Endpoint = Callable[Concatenate[State, Request, ...], Response]
StateRoute = tuple[str, str, Endpoint[State]]


def bound_to(state: State, routes: Iterable[StateRoute[State]]) -> list[Route]:
    """``routes`` as a ``LoopbackServer`` takes them: each endpoint given ``state`` first."""
    return [(method, rule, functools.partial(endpoint, state)) for method, rule, endpoint in routes]


class _QuietHandler(WSGIRequestHandler):
    """No access log (the tests' captured output stays readable); errors are still logged."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class _Request(Request):
    # Uploads carry long descriptions; werkzeug's default cap for a text field is 500 kB.
    max_form_memory_size = 16 * 1024 * 1024


class LoopbackServer:
    """Serves ``routes`` on ``127.0.0.1:<free port>`` in a daemon thread between start and
    stop."""

    def __init__(self, routes: Sequence[Route]) -> None:
        # A rule's endpoint is only its route's position: the handler is all it has to name.
        rules = [Rule(path, endpoint=str(i), methods=[method]) for i, (method, path, _) in
                 enumerate(routes)]  # fmt: skip
        self._url_map = Map(rules)
        self._handlers: Mapping[str, Handler] = {str(i): route[2] for i, route in enumerate(routes)}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running; use it in a with block")
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str) -> None:
        try:
            # Port 0: the kernel picks a free port while binding, so no other process can
            # take it between our choosing and our binding.
            server = make_server("127.0.0.1", 0, self._app, threaded=True,
                                 request_handler=_QuietHandler)  # fmt: skip
        except (OSError, SystemExit) as exc:  # werkzeug exits on a bind error
            raise ReleaseError(
                f"the sandbox's {name} could not listen on 127.0.0.1: {exc}",
                "check that loopback networking is available on this machine",
            ) from None
        self._server = server
        # A short poll interval: shutdown() waits for the loop to look at its flag.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.01,), name=f"sandbox-{name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with _Request(environ) as request:  # closes the uploaded files' temporary storage
            response = self._respond(request)
            response.freeze()  # the body is complete before the request's files close
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
            return self._handlers[str(endpoint)](request, **arguments)
        except HTTPException as exc:  # 404, 405, and the redirects werkzeug's routing makes
            return exc.get_response(request.environ)


class ScratchFolder:
    """Where a stand-in keeps its files: ``root`` when one is given (made if missing, kept
    afterwards), else a temporary folder that lives from :meth:`open` to :meth:`close`."""

    def __init__(self, root: Path | None, *, prefix: str, owner: str) -> None:
        self._root = root
        self._prefix = prefix  # of the temporary folder's name
        self._owner = owner  # the stand-in, as the error for a folder not yet made names it
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    @property
    def path(self) -> Path:
        """The folder: a given root at any time, a temporary one only while open."""
        if self._scratch is not None:
            return Path(self._scratch.name)
        if self._root is None:
            raise RuntimeError(f"the {self._owner} is not running; use it in a with block")
        return self._root

    def open(self) -> Path:
        """Make the folder (a temporary one when no root was given) and return it."""
        if self._root is not None:
            self._root.mkdir(parents=True, exist_ok=True)
            return self._root
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix=self._prefix)
        return Path(self._scratch.name)

    def close(self) -> None:
        """Remove a temporary folder and everything in it; a given root stays."""
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


class ServedOnLoopback:
    """Base of a stand-in its ``LoopbackServer`` (``_server``, made in ``__init__``) serves
    for the length of a ``with`` block; ``served_as`` names it in errors and the thread's name.

    A stand-in that keeps files sets ``_folder``: it is made before the server listens and,
    when temporary, removed after the server stops, on a failed start too. One with more to
    set up once listening, or to forget once stopped, overrides ``_on_start`` and ``_on_stop``.
    """

    served_as: ClassVar[str]
    _server: LoopbackServer
    _folder: ScratchFolder | None = None

    def __enter__(self) -> Self:
        try:
            if self._folder is not None:
                self._folder.open()
            self._server.start(self.served_as)
            self._on_start()
        except BaseException:
            self._shut_down()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._shut_down()

    def _on_start(self) -> None:
        """Set-up that needs the server listening (its URL) and the folder made."""

    def _on_stop(self) -> None:
        """What the stand-in forgets once its server has stopped."""

    def _shut_down(self) -> None:
        self._server.stop()
        self._on_stop()
        if self._folder is not None:
            self._folder.close()


def json_response(data: Any, status: int = 200, *, content_type: str | None = None) -> Response:
    return Response(
        json.dumps(data, indent=None, separators=(", ", ": ")),
        status=status,
        content_type=content_type or "application/json",
    )


def latin1(message: str) -> str:
    """What fits in a reason phrase: HTTP/1.1 status lines are ISO-8859-1 (no line breaks)."""
    one_line = " ".join(message.split())
    return one_line.encode("iso-8859-1", "replace").decode("iso-8859-1")


_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    308: "Permanent Redirect",
}


def reason_response(request: Request, code: int, message: str, **headers: str) -> Response:
    """An error the way warehouse answers its upload API: the message is the reason phrase,
    and the body is Pyramid's error page (HTML, JSON or plain text, by the Accept header)."""
    title = f"{code} {_TITLES.get(code, 'Error')}"
    offer = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if offer == "text/html":
        body = (
            f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n"
            f"  {html.escape(message)}\n\n\n </body>\n</html>"
        )
    elif offer == "application/json":
        body = json.dumps({"code": title, "message": message, "title": title.split(" ", 1)[1]})
    else:
        offer = "text/plain"
        body = f"{title}\n\n{message}\n\n"
    response = Response(body, status=f"{code} {latin1(message)}", content_type=offer)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response
