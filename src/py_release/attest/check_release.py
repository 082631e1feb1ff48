"""``py-release verify``: check a published release's (or local files') PEP 740 attestations
against the Trusted Publisher that should have made them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pypi_attestations import Attestation, Distribution, GitHubPublisher, VerificationError
from sigstore.models import TrustedRoot

from py_release.attest.provenance import (
    ProvenanceError,
    ProvenanceUnavailable,
    fetch_provenance,
    verify_provenance,
)
from py_release.attest.sign import SUFFIX
from py_release.attest.verify import verify_attestation
from py_release.distributions.files import version_in_filename
from py_release.errors import ReleaseError
from py_release.index.query import existing_files
from py_release.index.repositories import IndexInfo

_CHUNK = 1024 * 1024


class ReleaseVerificationError(ReleaseError):
    """``py-release verify``: some attestations are missing or do not verify against the
    named repository and workflow. Fix: do not install the files; check the publisher named."""


class VerificationIncomplete(ReleaseError):
    """``py-release verify``: some files or their provenance could not be read (the index or
    the network failed), so they were not checked; nothing refuted them either. Fix: re-run."""


# verified: every attestation checks out; refuted: an attestation is missing, names another
# publisher or does not verify; unchecked: the file or its provenance could not be fetched.
Outcome = Literal["verified", "refuted", "unchecked"]


@dataclass(frozen=True)
class Verdict:
    name: str
    outcome: Outcome
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome == "verified"


def _sha256_of_download(session: requests.Session, url: str) -> str:
    digest = hashlib.sha256()
    with session.get(url, stream=True, timeout=(10, 120)) as response:
        response.raise_for_status()
        for chunk in response.iter_content(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_published(
    requirement: str,
    publisher: GitHubPublisher,
    *,
    index: IndexInfo,
    trusted_root: TrustedRoot,
    session: requests.Session,
) -> list[Verdict]:
    """Download each file of ``PROJECT==VERSION`` and verify its provenance."""
    project, _, version_text = requirement.partition("==")
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise ReleaseError(
            f"'{requirement}' is not PROJECT==VERSION",
            "name the release like sampleproject==1.2.3, or pass distribution files",
        ) from None
    files = [
        f for f in existing_files(index, project, session=session).values()
        if version_in_filename(f.filename) == version
    ]  # fmt: skip
    if not files:
        raise ReleaseError(
            f"{index.simple_url} lists no files of {canonicalize_name(project)} {version}",
            "check the project name, the version and --repository-url",
        )
    verdicts = []
    for file in sorted(files, key=lambda f: f.filename):
        try:
            digest = _sha256_of_download(session, file.url)
            provenance = fetch_provenance(
                session, index.provenance_url(project, str(version), file.filename)
            )
        except requests.RequestException as exc:
            verdicts.append(Verdict(file.filename, "unchecked", f"download failed: {exc}"))
            continue
        except ProvenanceUnavailable as exc:
            verdicts.append(Verdict(file.filename, "unchecked", str(exc)))
            continue
        except ProvenanceError as exc:
            verdicts.append(Verdict(file.filename, "refuted", str(exc)))
            continue
        try:
            count = verify_provenance(
                provenance,
                publisher,
                Distribution(name=file.filename, digest=digest),
                trusted_root=trusted_root,
            )
        except ProvenanceError as exc:
            verdicts.append(Verdict(file.filename, "refuted", str(exc)))
            continue
        verdicts.append(Verdict(file.filename, "verified", f"{count} attestation(s) verified"))
    return verdicts


def verify_local(
    paths: list[Path],
    publisher: GitHubPublisher,
    *,
    trusted_root: TrustedRoot,
) -> list[Verdict]:
    """Verify each file against the ``<file>.publish.attestation`` beside it."""
    verdicts = []
    for path in paths:
        attestation_file = path.with_name(path.name + SUFFIX)
        try:
            attestation = Attestation.model_validate_json(attestation_file.read_bytes())
            verify_attestation(
                attestation, publisher, Distribution.from_file(path), trusted_root=trusted_root
            )
        except FileNotFoundError:
            verdicts.append(Verdict(path.name, "refuted", f"{attestation_file.name} is missing"))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            verdicts.append(Verdict(path.name, "unchecked", f"cannot read it: {reason}"))
        except (ValueError, VerificationError) as exc:
            verdicts.append(Verdict(path.name, "refuted", str(exc)))
        else:
            verdicts.append(Verdict(path.name, "verified", "attestation verified"))
    return verdicts


def raise_for(verdicts: list[Verdict], publisher: GitHubPublisher) -> None:
    """Refuted files are a verdict on the files; files that could not be fetched are not."""
    refuted = [v for v in verdicts if v.outcome == "refuted"]
    unchecked = [v for v in verdicts if v.outcome == "unchecked"]
    if refuted:
        message = (
            f"{len(refuted)} of {len(verdicts)} files do not verify against "
            f"{publisher.repository} / {publisher.workflow}: "
            + "; ".join(f"{v.name}: {v.detail}" for v in refuted)
        )
        if unchecked:
            message += f" ({len(unchecked)} more could not be checked)"
        raise ReleaseVerificationError(
            message,
            "the files were not published by that repository's workflow (or were changed "
            "after signing): do not install them; check --repository and --workflow",
        )
    if unchecked:
        raise VerificationIncomplete(
            f"{len(unchecked)} of {len(verdicts)} files could not be checked: "
            + "; ".join(f"{v.name}: {v.detail}" for v in unchecked),
            "nothing refuted them, but nothing verified them either: re-run when the index "
            "can be reached",
        )
