"""A real pypiserver on a free loopback port, with a temporary htpasswd user, for the tests and
the benchmarks (pypiserver and passlib come with the ``dev`` extra)."""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import TracebackType

import requests

from py_release.errors import ReleaseError
from py_release.secrets import Secret

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _write_htpasswd(path: Path, user: str, password: str) -> None:
    try:
        with warnings.catch_warnings():
            # passlib imports the stdlib's deprecated crypt module; nothing we can change.
            warnings.simplefilter("ignore", DeprecationWarning)
            from passlib.apache import HtpasswdFile
    except ImportError as exc:
        raise ReleaseError(
            "the tests' pypiserver needs pypiserver and passlib",
            "install the dev extra: pip install -e '.[dev]'",
        ) from exc
    htpasswd = HtpasswdFile(str(path), new=True)
    htpasswd.set_password(user, password)
    htpasswd.save()


class PypiServer:
    """``with PypiServer() as index:`` runs pypiserver until the block ends.

    Uploads need ``index.user`` / ``index.password``; downloads are open, as on most private
    indexes set up with ``-a update``.
    """

    def __init__(
        self,
        *,
        root: Path | None = None,
        user: str = "uploader",
        fallback_url: str | None = None,
        threaded: bool = False,
    ) -> None:
        """``fallback_url``: pypiserver's default behaviour, redirecting projects it does not
        hold to that index (its default is PyPI); None starts it with --disable-fallback.
        ``threaded``: wsgiref (the default) answers one request at a time; threaded runs
        pypiserver's "auto" server, which is waitress (4 threads, a dev dependency), so
        concurrent uploads are taken side by side as PyPI takes them (the upload benchmarks)."""
        self._root = root
        if threaded and importlib.util.find_spec("waitress") is None:
            # pypiserver's "auto" would quietly fall back to wsgiref and the benchmark would
            # measure a server that takes one upload at a time.
            raise RuntimeError("a threaded pypiserver needs waitress: pip install -e '.[dev]'")
        self._server = "auto" if threaded else "wsgiref"
        self._fallback_url = fallback_url
        self.user = user
        self.password = Secret(secrets.token_urlsafe(18))
        self.port = 0
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def url(self) -> str:
        """The upload URL (pypiserver takes uploads at its root)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}simple/"

    @property
    def packages(self) -> Path:
        assert self._root is not None
        return self._root / "packages"

    def __enter__(self) -> PypiServer:
        if self._root is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="py-release-pypiserver-")
            self._root = Path(self._scratch.name)
        self.packages.mkdir(parents=True, exist_ok=True)
        htpasswd = self._root / "htpasswd"
        _write_htpasswd(htpasswd, self.user, self.password.reveal())
        self.port = free_port()
        self.log_path = self._root / "pypiserver.log"
        command = [
            sys.executable, "-m", "pypiserver", "run",
            "-i", "127.0.0.1", "-p", str(self.port),
            "-a", "update", "-P", str(htpasswd),
            *(["--fallback-url", self._fallback_url] if self._fallback_url
              else ["--disable-fallback"]),
            "--server", self._server,
            str(self.packages),
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ}
            )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        log = self.log_path.read_text(errors="replace") if self.log_path else ""
        self.__exit__(None, None, None)
        raise ReleaseError(f"pypiserver did not start:\n{log[-2000:]}", "see the log above")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self._root = None
