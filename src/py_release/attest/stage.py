"""The sign stage and the provenance check of the verify stage, as the pipeline runs them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import requests
from pypi_attestations import Distribution, GitHubPublisher, Provenance
from sigstore.models import TrustedRoot

from py_release.attest.provenance import ProvenanceError, fetch_provenance, verify_provenance
from py_release.attest.sign import SignedFile, Signer, plan_signing, sign_distributions
from py_release.attest.trust import load_trust_config
from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError, TrustedPublishingError
from py_release.github.context import GitHubContext
from py_release.index.repositories import IndexInfo
from py_release.index.trusted_publishing import IdTokenSource, unverified_claims
from py_release.plan import AttestationRecord
from py_release.reporter import Reporter


class AttestationCheckError(ReleaseError):
    """The index does not serve verifiable attestations for what was uploaded."""


def signer_from_claims(claims: Mapping[str, object]) -> Signer | None:
    """Who the certificate will name: Fulcio takes the repository and the build config (the
    top-level workflow) from these claims of the signing ID token."""
    repository = claims.get("repository")
    workflow_ref = claims.get("workflow_ref")
    if not isinstance(repository, str) or not isinstance(workflow_ref, str):
        return None
    workflow_file = workflow_ref.split("@", 1)[0].rsplit("/", 1)[-1]
    return Signer(repository, workflow_file) if repository and workflow_file else None


def expected_signer(context: GitHubContext) -> Signer:
    if not context.repository or not context.workflow_file:
        raise ReleaseError(
            "cannot tell which repository and workflow sign the attestations "
            "(GITHUB_REPOSITORY / GITHUB_WORKFLOW_REF are not set)",
            "run in GitHub Actions (or under act with the release sandbox), or set "
            "attestations: false",
        )
    return Signer(context.repository, context.workflow_file)


def _log_url(log_index: str, trust_config_path: Path | None) -> str:
    """The entry in the public transparency log's search; none for a private Sigstore."""
    if trust_config_path is not None or not log_index:
        return ""
    return f"https://search.sigstore.dev/?logIndex={log_index}"


def sign_stage(
    dists: Sequence[DistFile],
    *,
    context: GitHubContext,
    trust_config_path: Path | None,
    id_tokens: IdTokenSource,
    reporter: Reporter,
) -> tuple[AttestationRecord, ...]:
    """Sign every distribution not already signed by this workflow; nothing half-done."""
    trust_config = load_trust_config(trust_config_path)
    try:
        id_token = id_tokens("sigstore")
    except TrustedPublishingError as exc:
        raise ReleaseError(
            f"the ID token for signing could not be obtained: {exc.message}",
            "this came after a successful Trusted Publishing exchange, which suggests a "
            "transient error: re-run the job",
        ) from None
    reporter.mask(id_token)
    signer = signer_from_claims(unverified_claims(id_token)) or expected_signer(context)
    to_sign, reused = plan_signing(dists, signer)
    signed: list[SignedFile] = []
    if to_sign:
        with reporter.group(f"Sign {len(to_sign)} files with Sigstore (PEP 740)"):
            signed = sign_distributions(to_sign, id_token, trust_config)
            for item in signed:
                reporter.info(f"{item.path.name}: {item.identity} (log index {item.log_index})")
    for item in reused:
        reporter.info(f"{item.path.name}: made earlier by this workflow for this file, reused")
    return tuple(
        AttestationRecord(
            file=item.dist.name,
            path=str(item.path),
            identity=item.identity,
            log_index=item.log_index,
            reused=item.reused,
            repository=signer.repository,
            workflow=signer.workflow_file,
            log_url=_log_url(item.log_index, trust_config_path),
        )
        for item in (*reused, *signed)
    )


def _verified_provenance(
    record: AttestationRecord,
    dist: DistFile,
    url: str,
    *,
    trusted_root: TrustedRoot | None,
    session: requests.Session,
) -> Provenance:
    """The provenance at ``url``, every attestation in it verified for ``dist`` against the
    publisher that signed ``record``; ``ProvenanceError`` otherwise."""
    provenance = fetch_provenance(session, url)
    verify_provenance(
        provenance,
        GitHubPublisher(repository=record.repository, workflow=record.workflow),
        Distribution(name=dist.name, digest=dist.hashes.sha256),
        trusted_root=trusted_root,
    )
    return provenance


def check_provenance(
    records: Sequence[AttestationRecord],
    dists: Sequence[DistFile],
    *,
    index: IndexInfo,
    project: str,
    version: str,
    trust_config_path: Path | None,
    session: requests.Session,
) -> tuple[AttestationRecord, ...]:
    """Read each file's provenance back from the index and verify it against the publisher
    that signed it."""
    trusted_root = load_trust_config(trust_config_path).trusted_root if trust_config_path else None
    by_name = {dist.name: dist for dist in dists}
    checked = []
    for record in records:
        try:
            _verified_provenance(
                record, by_name[record.file], index.provenance_url(project, version, record.file),
                trusted_root=trusted_root, session=session,
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
) -> tuple[AttestationRecord, ...]:
    """For files this run did not send (``not_sent``: the index had them), put the index's own
    attestation in place of the one signed now, so that what is published beside them (the
    GitHub Release's assets) is what the index holds, and a re-run offers the same bytes as the
    run that uploaded them.

    The index's attestation must verify for the file against the publisher that signs now;
    when the index has none, or names another publisher, this run's attestation is kept and
    the log says why.
    """
    trusted_root = load_trust_config(trust_config_path).trusted_root if trust_config_path else None
    by_name = {dist.name: dist for dist in dists}
    adopted: list[AttestationRecord] = []
    for record in records:
        if record.file not in not_sent:
            adopted.append(record)
            continue
        try:
            provenance = _verified_provenance(
                record, by_name[record.file], index.provenance_url(project, version, record.file),
                trusted_root=trusted_root, session=session,
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
        log_url = _log_url(log_index, trust_config_path)
        adopted.append(
            replace(record, reused=True, verified=True, log_index=log_index, log_url=log_url)
        )
    return tuple(adopted)
