"""Uploading one file through twine's own classes (``PackageFile``, ``Repository``), and deciding
what each answer of the index means."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from requests_toolbelt import MultipartEncoderMonitor
from twine.repository import Repository
from urllib3.util.retry import Retry

from py_release.distributions.files import DistFile
from py_release.distributions.upload_form import package_file
from py_release.errors import AuthenticationError, UploadError
from py_release.index.retry import is_transient
from py_release.secrets import Secret

Answer = Literal["ok", "exists", "auth", "redirect", "error"]
Outcome = Literal["uploaded", "skipped", "already on index"]


def classify_answer(status: int, reason: str, body: str) -> Answer:
    """What an upload response means.

    An existing file is 409 (pypiserver, devpi) or 400 whose reason or body says "already
    exist" (PyPI keeps that prefix for exactly this, warehouse#3482); twine decides the same way
    but only lets PyPI use it, so we decide ourselves for every index.
    """
    if 200 <= status < 300:
        return "ok"
    if status == 409 or (status == 400 and "already exist" in f"{reason} {body}".lower()):
        return "exists"
    if status in (401, 403):
        return "auth"
    if 300 <= status < 400:
        return "redirect"
    return "error"


BytesSent = Callable[[int, int], None]


class _UploadAdapter(HTTPAdapter):
    """Gives every request a timeout; twine's uploads have none, and a stalled index would
    hang the release. (requests has no session-wide timeout setting.) And passes how much of
    an upload's body is out to ``watch``: twine reports that only to its own progress bar,
    through the callback of requests-toolbelt's ``MultipartEncoderMonitor``, the body it
    sends."""

    def __init__(self, timeout: tuple[float, float], retries: Retry) -> None:
        super().__init__(max_retries=retries)
        self._timeout = timeout
        # Set around one upload; the adapter belongs to one thread's Repository.
        self.watch: BytesSent | None = None

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        body, watch = request.body, self.watch
        if watch is not None and isinstance(body, MultipartEncoderMonitor):
            twines = body.callback

            def callback(monitor: MultipartEncoderMonitor) -> None:
                twines(monitor)
                watch(monitor.bytes_read, monitor.len)

            body.callback = callback
        return super().send(request, **kwargs)


def open_repository(
    upload_url: str,
    user: str,
    password: Secret | None,
    *,
    timeout: tuple[float, float] = (10.0, 180.0),
) -> Repository:
    repository = Repository(
        upload_url, user, password.reveal() if password else None, disable_progress_bar=True
    )
    # Our uploader decides about retries (it asks the index what arrived first); only reads
    # keep urllib3's own retries, as twine sets them.
    adapter = _UploadAdapter(timeout, Retry(total=3, allowed_methods=["GET"], connect=3))
    for scheme in ("http://", "https://"):
        repository.session.mount(scheme, adapter)
    return repository


@dataclass(frozen=True)
class Attempt:
    """What one attempt to send a file came to."""

    answer: Answer | Literal["transient"]
    status: int | None
    reason: str
    retry_after: str | None = None
    location: str = ""


def _reason(response: requests.Response) -> str:
    body = (response.text or "").strip()
    # PyPI puts its message in the reason phrase; pypiserver and others in the body.
    first_line = body.splitlines()[0][:300] if body and "<html" not in body.lower() else ""
    return " ".join(part for part in (response.reason, first_line) if part).strip()


class _StdoutWithQuietCalls:
    """Stands in for ``sys.stdout`` while uploads run, dropping what a thread writes inside
    ``_quiet()`` and passing everything else through. twine's ``Repository.upload`` announces
    each file with rich's ``print`` to ``sys.stdout``, and has no switch for it; swapping
    ``sys.stdout`` per call (``redirect_stdout``) is process-wide, so from upload threads it
    swallowed other threads' lines and could leave a dead buffer installed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._local = threading.local()

    def write(self, text: str) -> int:
        if getattr(self._local, "quiet", False):
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        self._local.quiet = True
        try:
            yield
        finally:
            self._local.quiet = False


@contextmanager
def twine_quiet_stdout() -> Iterator[None]:
    """For the block (the whole pool of uploads, entered from the main thread), ``sys.stdout``
    drops only what twine prints inside ``send_once``."""
    previous = sys.stdout
    sys.stdout = _StdoutWithQuietCalls(previous)
    try:
        yield
    finally:
        sys.stdout = previous


def _quiet() -> AbstractContextManager[None]:
    stdout = sys.stdout
    return stdout.quiet() if isinstance(stdout, _StdoutWithQuietCalls) else nullcontext()


@contextmanager
def _watching(repository: Repository, watch: BytesSent | None) -> Iterator[None]:
    adapters = [a for a in repository.session.adapters.values() if isinstance(a, _UploadAdapter)]
    for adapter in adapters:
        adapter.watch = watch
    try:
        yield
    finally:
        for adapter in adapters:
            adapter.watch = None


def send_once(
    repository: Repository,
    dist: DistFile,
    attestations: Sequence[Path] = (),
    *,
    watch: BytesSent | None = None,
) -> Attempt:
    """One attempt to upload ``dist``; never raises for the network or the index's answer.
    ``watch`` hears (bytes sent, request body length) as the body goes out."""
    package = package_file(dist)
    if attestations:
        package.add_attestations([str(path) for path in attestations])
    try:
        # twine's Repository announces each upload with rich.print; our reporter does that.
        # max_redirects=1: one request, no silent resends by twine; our uploader retries.
        with _quiet(), _watching(repository, watch):
            response = repository.upload(package, max_redirects=1)
    except requests.RequestException as exc:
        return Attempt("transient", None, f"{type(exc).__name__}: {exc}")
    reason = _reason(response)
    answer = classify_answer(response.status_code, response.reason or "", response.text or "")
    if answer == "error" and is_transient(response.status_code):
        return Attempt(
            "transient", response.status_code, reason, response.headers.get("Retry-After")
        )
    return Attempt(
        answer, response.status_code, reason, location=response.headers.get("Location", "")
    )


def refusal(
    dist: DistFile, attempt: Attempt, *, skip_existing: bool, reused_attestation: bool = False
) -> UploadError:
    """The error for an answer that is final: the index's reason and what to do."""
    status = f"{attempt.status} {attempt.reason}".strip()
    if attempt.answer == "exists":
        return UploadError(
            f"the index already has {dist.name} with other contents ({status})",
            "a published file can never be replaced: release a new version"
            if not skip_existing
            else "the index refused the file as existing; release a new version",
        )
    if attempt.answer == "auth":
        return AuthenticationError(
            f"the index refused the credentials for {dist.name} ({status})",
            "check the user and password inputs: for PyPI use user __token__ and an API token "
            "(pypi-...), or leave password empty to use Trusted Publishing",
        )
    if attempt.answer == "redirect":
        return UploadError(
            f"the index redirected the upload of {dist.name} to {attempt.location}",
            "set repository-url to the final upload URL (a missing trailing slash is the usual "
            "cause)",
        )
    if "attestation" in attempt.reason.lower() and reused_attestation:
        return UploadError(
            f"the index refused the attestation of {dist.name}: {status}. It was made by an "
            "earlier run and reused",
            f"delete {dist.name}.publish.attestation from packages-dir and run again: "
            "py-release signs the file afresh",
        )
    if "attestation" in attempt.reason.lower():
        return UploadError(
            f"the index refused the attestation of {dist.name}: {status}",
            "the index checks that the attestation was signed by this project's trusted "
            "publisher (repository and workflow file) for exactly this file: check the "
            "publisher's settings, or set attestations: false to upload without",
        )
    if attempt.answer == "transient":
        return UploadError(
            f"uploading {dist.name} kept failing: {status}",
            "the index or the network is having trouble; re-run the job later: files already "
            "on the index are not sent again",
        )
    said = attempt.reason.strip()
    bare = not said or said.lower() in {"bad request", "forbidden", "not found", "conflict"}
    return UploadError(
        f"the index refused {dist.name}: {status}",
        "the index gave no reason beyond its status: its own log says why (a file name it "
        "cannot read, a size or permission limit); fix the file or the version and run again"
        if bare
        else "the index's reason is in this message; fix the file or the version and run again",
    )
