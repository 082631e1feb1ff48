"""``py-release verify``: check a published release's (or local files') PEP 740 attestations
against the Trusted Publisher that should have made them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pypi_attestations import Attestation, Distribution, GitHubPublisher, VerificationError
from sigstore.models import TrustedRoot

from py_release.attest.provenance import ProvenanceError, fetch_provenance, verify_provenance
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


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str


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
    trusted_root: TrustedRoot | None,
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
            count = verify_provenance(
                provenance,
                publisher,
                Distribution(name=file.filename, digest=digest),
                trusted_root=trusted_root,
            )
        except (ProvenanceError, requests.RequestException) as exc:
            verdicts.append(Verdict(file.filename, False, str(exc)))
            continue
        verdicts.append(Verdict(file.filename, True, f"{count} attestation(s) verified"))
    return verdicts


def verify_local(
    paths: list[Path],
    publisher: GitHubPublisher,
    *,
    trusted_root: TrustedRoot | None,
    offline: bool = False,
) -> list[Verdict]:
    """Verify each file against the ``<file>.publish.attestation`` beside it."""
    verdicts = []
    for path in paths:
        attestation_file = path.with_name(path.name + SUFFIX)
        try:
            attestation = Attestation.model_validate_json(attestation_file.read_bytes())
            verify_attestation(
                attestation,
                publisher,
                Distribution.from_file(path),
                trusted_root=trusted_root,
                offline=offline,
            )
        except OSError as exc:
            verdicts.append(Verdict(path.name, False, f"cannot read {attestation_file}: {exc}"))
        except (ValueError, VerificationError) as exc:
            verdicts.append(Verdict(path.name, False, str(exc)))
        else:
            verdicts.append(Verdict(path.name, True, "attestation verified"))
    return verdicts


def raise_for(verdicts: list[Verdict], publisher: GitHubPublisher) -> None:
    failed = [v for v in verdicts if not v.ok]
    if failed:
        raise ReleaseVerificationError(
            f"{len(failed)} of {len(verdicts)} files do not verify against "
            f"{publisher.repository} / {publisher.workflow}: "
            + "; ".join(f"{v.name}: {v.detail}" for v in failed),
            "the files were not published by that repository's workflow (or were changed "
            "after signing): do not install them; check --repository and --workflow",
        )
