"""Reading a file's PEP 740 provenance back from the index and verifying every attestation in
it against the expected Trusted Publisher: for the verify stage, and for the GitHub Release,
which keeps the index's attestations of files the index already had."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pydantic
import requests
from pypi_attestations import Distribution, GitHubPublisher, Provenance, VerificationError
from sigstore.models import TrustedRoot

from py_release.attest.sign import transparency_log_url
from py_release.attest.trust import SigstoreUnreachable, load_trusted_root
from py_release.attest.verify import verify_attestation
from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError
from py_release.index.repositories import IndexInfo
from py_release.plan import AttestationRecord

TIMEOUT = (10, 60)


class ProvenanceError(Exception):
    """The provenance is missing, unreadable or does not verify; the message says which."""


class ProvenanceUnavailable(ProvenanceError):
    """The index could not be asked (network, or an answer other than 200 or 404): not a
    verdict on the file."""


class AttestationCheckError(ReleaseError):
    """After the upload, the index does not serve attestations that verify for the files
    against this repository and workflow. The files are on the index: check its release page."""


def fetch_provenance(session: requests.Session, url: str) -> Provenance:
    try:
        response = session.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ProvenanceUnavailable(f"cannot reach {url}: {type(exc).__name__}") from None
    if response.status_code == 404:
        raise ProvenanceError(f"the index has no provenance at {url}")
    if response.status_code != 200:
        raise ProvenanceUnavailable(f"{url} answered {response.status_code}")
    try:
        return Provenance.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise ProvenanceError(f"{url} is not a PEP 740 provenance object: {exc}") from None


def verify_provenance(
    provenance: Provenance,
    publisher: GitHubPublisher,
    dist: Distribution,
    *,
    trusted_root: TrustedRoot,
) -> int:
    """Verify every attestation in every bundle; return how many verified.

    A bundle must name the expected repository and workflow; each attestation must verify for
    ``dist`` against ``publisher``.
    """
    count = 0
    for bundle in provenance.attestation_bundles:
        named = bundle.publisher
        if not isinstance(named, GitHubPublisher) or (
            named.repository.lower() != publisher.repository.lower()
            or named.workflow != publisher.workflow
        ):
            raise ProvenanceError(f"the provenance names another publisher: {named}")
        for attestation in bundle.attestations:
            try:
                verify_attestation(attestation, publisher, dist, trusted_root=trusted_root)
            except VerificationError as exc:
                raise ProvenanceError(
                    f"an attestation of {dist.name} does not verify: {exc}"
                ) from None
            count += 1
    if count == 0:
        raise ProvenanceError(f"the provenance of {dist.name} holds no attestations")
    return count


def fetch_provenances(
    session: requests.Session, urls: Sequence[str], *, concurrency: int
) -> dict[str, Provenance | ProvenanceError]:
    """Each URL's provenance, or why there is none: read ``concurrency`` at a time, since every
    read is a round trip to the index and a release may have dozens of files."""

    def fetch(url: str) -> Provenance | ProvenanceError:
        try:
            return fetch_provenance(session, url)
        except ProvenanceError as exc:
            return exc

    if len(urls) <= 1 or concurrency <= 1:
        return {url: fetch(url) for url in urls}
    with ThreadPoolExecutor(max_workers=min(concurrency, len(urls))) as pool:
        return dict(zip(urls, pool.map(fetch, urls), strict=True))


def _verified(
    fetched: Provenance | ProvenanceError,
    record: AttestationRecord,
    dist: DistFile,
    *,
    trusted_root: TrustedRoot,
) -> Provenance:
    """The provenance read for ``dist``, every attestation in it verified against the
    publisher that signed ``record``; ``ProvenanceError`` otherwise."""
    if isinstance(fetched, ProvenanceError):
        raise fetched
    verify_provenance(
        fetched,
        GitHubPublisher(repository=record.repository, workflow=record.workflow),
        Distribution(name=dist.name, digest=dist.hashes.sha256),
        trusted_root=trusted_root,
    )
    return fetched


def check_provenance(
    records: Sequence[AttestationRecord],
    dists: Sequence[DistFile],
    *,
    index: IndexInfo,
    project: str,
    version: str,
    trust_config_path: Path | None,
    session: requests.Session,
    concurrency: int = 1,
) -> tuple[AttestationRecord, ...]:
    """Read each file's provenance back from the index (``concurrency`` reads at a time) and
    verify it against the publisher that signed it."""
    trusted_root = load_trusted_root(trust_config_path)
    by_name = {dist.name: dist for dist in dists}
    urls = {r.file: index.provenance_url(project, version, r.file) for r in records}
    fetched = fetch_provenances(session, list(urls.values()), concurrency=concurrency)
    checked = []
    for record in records:
        try:
            _verified(
                fetched[urls[record.file]], record, by_name[record.file],
                trusted_root=trusted_root,
            )  # fmt: skip
        except ProvenanceError as exc:
            raise AttestationCheckError(
                str(exc),
                "the files are uploaded; their provenance on the index could not be verified "
                "against this repository and workflow. Check the index's page for the release",
            ) from None
        checked.append(replace(record, verified=True))
    return tuple(checked)


def adopt_index_attestations(
    records: Sequence[AttestationRecord],
    dists: Sequence[DistFile],
    not_sent: set[str],
    *,
    index: IndexInfo,
    project: str,
    version: str,
    trust_config_path: Path | None,
    session: requests.Session,
    log: Callable[[str], None],
    concurrency: int = 1,
) -> tuple[AttestationRecord, ...]:
    """For files this run did not send (``not_sent``: the index had them), put the index's own
    attestation in place of the one signed now, so that what is published beside them (the
    GitHub Release's assets) is what the index holds, and a re-run offers the same bytes as the
    run that uploaded them.

    The index's attestation must verify for the file against the publisher that signs now;
    when the index has none, or names another publisher, this run's attestation is kept and
    the log says why.
    """
    try:
        trusted_root = load_trusted_root(trust_config_path)
    except SigstoreUnreachable as exc:
        log(f"keeping this run's attestations: {exc.message}")
        return tuple(records)
    by_name = {dist.name: dist for dist in dists}
    urls = {r.file: index.provenance_url(project, version, r.file) for r in records}
    wanted = [urls[r.file] for r in records if r.file in not_sent]
    fetched = fetch_provenances(session, wanted, concurrency=concurrency)
    adopted: list[AttestationRecord] = []
    for record in records:
        if record.file not in not_sent:
            adopted.append(record)
            continue
        try:
            provenance = _verified(
                fetched[urls[record.file]], record, by_name[record.file],
                trusted_root=trusted_root,
            )  # fmt: skip
        except ProvenanceError as exc:
            log(f"{record.file}: keeping this run's attestation ({exc})")
            adopted.append(record)
            continue
        held = provenance.attestation_bundles[0].attestations[0]
        # The signer writes model_dump_json() too, so the bytes match the uploading run's file.
        Path(record.path).write_text(held.model_dump_json(), encoding="utf-8")
        log(f"{record.file}: already on the index; its attestation there is the one kept")
        entry = held.verification_material.transparency_entries[0]
        log_index = str(entry.get("logIndex", "")) if isinstance(entry, dict) else ""
        log_url = transparency_log_url(log_index, trust_config_path)
        adopted.append(
            replace(record, reused=True, verified=True, log_index=log_index, log_url=log_url)
        )
    return tuple(adopted)
