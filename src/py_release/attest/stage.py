"""The sign stage and the provenance check of the verify stage, as the pipeline runs them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import requests
from pypi_attestations import Distribution, GitHubPublisher

from py_release.attest.provenance import ProvenanceError, fetch_provenance, verify_provenance
from py_release.attest.sign import SignedFile, Signer, plan_signing, sign_distributions
from py_release.attest.trust import load_trust_config
from py_release.dist.files import DistFile
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
            log_url=(
                f"https://search.sigstore.dev/?logIndex={item.log_index}"
                if trust_config_path is None
                else ""
            ),
        )
        for item in (*reused, *signed)
    )


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
        dist = by_name[record.file]
        publisher = GitHubPublisher(repository=record.repository, workflow=record.workflow)
        url = index.provenance_url(project, version, record.file)
        try:
            provenance = fetch_provenance(session, url)
            verify_provenance(
                provenance,
                publisher,
                Distribution(name=dist.name, digest=dist.hashes.sha256),
                trusted_root=trusted_root,
            )
        except ProvenanceError as exc:
            raise AttestationCheckError(
                str(exc),
                "the files are uploaded; their provenance on the index could not be verified "
                "against this repository and workflow. Check the index's page for the release",
            ) from None
        checked.append(replace(record, verified=True))
    return tuple(checked)
