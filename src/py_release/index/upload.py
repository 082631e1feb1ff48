"""Uploading one file through twine's own classes (``PackageFile``, ``Repository``), and deciding
what each answer of the index means."""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Literal

import requests
from twine.package import PackageFile
from twine.repository import Repository

from py_release.dist.files import DistFile
from py_release.errors import AuthenticationError, UploadError
from py_release.secrets import Secret

Answer = Literal["ok", "exists", "auth", "redirect", "error"]
Outcome = Literal["uploaded", "skipped"]


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


def open_repository(upload_url: str, user: str, password: Secret | None) -> Repository:
    return Repository(
        upload_url, user, password.reveal() if password else None, disable_progress_bar=True
    )


def _reason(response: requests.Response) -> str:
    body = (response.text or "").strip()
    # PyPI puts its message in the reason phrase; pypiserver and others in the body.
    first_line = body.splitlines()[0][:300] if body and "<html" not in body.lower() else ""
    return " ".join(part for part in (response.reason, first_line) if part).strip()


def upload_one(
    repository: Repository,
    dist: DistFile,
    *,
    skip_existing: bool,
    attestations: Sequence[Path] = (),
) -> Outcome:
    """Upload ``dist`` (with its PEP 740 attestations); ``skipped`` when the index already has
    it and ``skip_existing`` is on.

    Raises ``AuthenticationError`` (credentials refused) or ``UploadError``.
    """
    package = PackageFile.from_filename(str(dist.path), comment=None)
    if attestations:
        package.add_attestations([str(path) for path in attestations])
    try:
        # twine's Repository announces each upload with rich.print; our reporter does that.
        with redirect_stdout(io.StringIO()):
            response = repository.upload(package)
    except requests.RequestException as exc:
        raise UploadError(
            f"uploading {dist.name} to {repository.url} failed: {type(exc).__name__}",
            "check that the index is reachable from the runner; re-running uploads only "
            "what is missing",
        ) from None
    answer = classify_answer(response.status_code, response.reason or "", response.text or "")
    reason = _reason(response)
    if answer == "ok":
        return "uploaded"
    if answer == "exists":
        if skip_existing:
            return "skipped"
        raise UploadError(
            f"the index already has {dist.name} ({response.status_code} {reason})",
            "set skip-existing: true to leave existing files out, or release a new version",
        )
    if answer == "auth":
        raise AuthenticationError(
            f"the index refused the credentials for {dist.name} ({response.status_code} {reason})",
            "check the user and password inputs: for PyPI use user __token__ and an API token "
            "(pypi-...), or leave password empty to use Trusted Publishing",
        )
    if answer == "redirect":
        location = response.headers.get("Location", "")
        raise UploadError(
            f"the index redirected the upload of {dist.name} to {location}",
            "set repository-url to the final upload URL (a missing trailing slash is the usual "
            "cause)",
        )
    if "attestation" in reason.lower():
        raise UploadError(
            f"the index refused the attestation of {dist.name}: {response.status_code} {reason}",
            "the index checks that the attestation was signed by this project's trusted "
            "publisher (repository and workflow file) for exactly this file: check the "
            "publisher's settings, or set attestations: false to upload without",
        )
    raise UploadError(
        f"the index refused {dist.name}: {response.status_code} {reason}",
        "read the index's reason above; fix the file or the version and run again",
    )
