"""The sign stage: one PEP 740 publish attestation per distribution, written beside it as
``<file>.publish.attestation``, signed with Sigstore from the job's identity.

Every target is checked before anything is signed, and the files are written only after every
distribution is signed, so a failure never leaves a release half-signed. sigstore and
pypi-attestations are imported only when something is signed: together they are most of a
second of start-up, and dry runs and password runs never need them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError, TrustedPublishingError
from py_release.github.context import GitHubContext
from py_release.index.trusted_publishing import unverified_claims
from py_release.plan import AttestationRecord
from py_release.secrets import Secret

if TYPE_CHECKING:
    from pypi_attestations import Attestation
    from sigstore.models import ClientTrustConfig, TrustedRoot

    from py_release.environment import Environment
    from py_release.plan import Plan

SUFFIX = ".publish.attestation"
# Fulcio extensions naming the repository and the workflow run that signed.
SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"
_SAN_OID = "1.3.6.1.4.1.57264.1.9"  # Build Signer URI: the workflow that ran the job


class SigningError(ReleaseError):
    """The distributions could not be signed (Sigstore unreachable, the identity expired, or
    stale attestations in packages-dir); nothing was uploaded. Fix: re-run, remove the stale
    ``.publish.attestation`` files, or set ``attestations: false``."""


@dataclass(frozen=True)
class SignedFile:
    dist: DistFile
    path: Path
    identity: str
    log_index: str
    reused: bool


@dataclass(frozen=True)
class Signer:
    """Who signs: the repository and workflow file, as the certificate will name them."""

    repository: str
    workflow_file: str


def attestation_path(dist: DistFile) -> Path:
    return dist.path.with_name(dist.name + SUFFIX)


def _describe(attestation: Attestation) -> tuple[str, str]:
    claims = attestation.certificate_claims
    identity = claims.get(_SAN_OID) or claims.get(BUILD_CONFIG_URI) or "unknown"
    entry = attestation.verification_material.transparency_entries[0]
    return identity, str(entry.get("logIndex", "?"))


def _made_by(attestation: Attestation, signer: Signer) -> bool:
    claims = attestation.certificate_claims
    workflow = claims.get(BUILD_CONFIG_URI, "").split("@", 1)[0]
    return claims.get(
        SOURCE_REPOSITORY_URI
    ) == f"https://github.com/{signer.repository}" and workflow.endswith(
        f"/.github/workflows/{signer.workflow_file}"
    )


def _for_file(attestation: Attestation, dist: DistFile) -> bool:
    try:
        statement = json.loads(attestation.envelope.statement)
        (subject,) = statement["subject"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(
        subject.get("name") == dist.name
        and subject.get("digest", {}).get("sha256") == dist.hashes.sha256
    )


def _unusable(
    path: Path, dist: DistFile, signer: Signer, trusted_root: TrustedRoot
) -> tuple[Attestation | None, str]:
    """The attestation already at ``path`` when this workflow made it for exactly this file
    and it verifies with this run's Sigstore (a re-run, or a second index); otherwise why it
    cannot be sent."""
    import pydantic
    from pypi_attestations import Attestation, Distribution, GitHubPublisher, VerificationError

    from py_release.attest.verify import verify_attestation

    try:
        existing = Attestation.model_validate_json(path.read_bytes())
    except (OSError, pydantic.ValidationError, ValueError):
        return None, "not a PEP 740 attestation"
    if not _made_by(existing, signer):
        made_by = existing.certificate_claims.get(BUILD_CONFIG_URI, "an unknown workflow")
        return None, f"made by another workflow ({made_by})"
    if not _for_file(existing, dist):
        return None, "stale: made by this workflow for other contents (an earlier build)"
    publisher = GitHubPublisher(repository=signer.repository, workflow=signer.workflow_file)
    try:
        verify_attestation(
            existing,
            publisher,
            Distribution(name=dist.name, digest=dist.hashes.sha256),
            trusted_root=trusted_root,
        )
    except VerificationError as exc:
        return None, (
            f"stale: it does not verify with this run's Sigstore ({exc}); an earlier run "
            "signed it with another one (a sandbox started since, or another "
            "sigstore-trust-config)"
        )
    return existing, ""


def plan_signing(
    dists: Sequence[DistFile],
    signer: Signer,
    trusted_root: TrustedRoot,
    *,
    built_now: bool = False,
) -> tuple[list[DistFile], list[SignedFile], list[str]]:
    """Split the files into those to sign and those already signed by this workflow, and name
    each attestation file that is replaced.

    An attestation beside a file built by this run belongs to a file that no longer exists, so
    it is replaced. Beside ready files it may be someone's work: ``SigningError`` names every
    one that cannot be sent, and why, before anything is signed.
    """
    to_sign: list[DistFile] = []
    reused: list[SignedFile] = []
    replaced: list[str] = []
    refused: list[str] = []
    for dist in dists:
        path = attestation_path(dist)
        if not path.exists():
            to_sign.append(dist)
            continue
        existing, why = _unusable(path, dist, signer, trusted_root)
        if existing is not None:
            identity, log_index = _describe(existing)
            reused.append(SignedFile(dist, path, identity, log_index, reused=True))
        elif built_now:
            replaced.append(f"{path.name} ({why})")
            to_sign.append(dist)
        else:
            refused.append(f"{path.name} ({why})")
    if refused:
        folder = dists[0].path.parent
        raise SigningError(
            "packages-dir holds publish attestations that cannot be sent with these files: "
            + "; ".join(refused),
            f"delete them (rm {folder}/*.publish.attestation) and run again: py-release signs "
            "every file that has none; or set attestations: false to upload without",
        )
    return to_sign, reused, replaced


def sign_distributions(
    dists: Sequence[DistFile],
    id_token: Secret,
    trust_config: ClientTrustConfig,
    *,
    concurrency: int = 1,
) -> list[SignedFile]:
    """Sign every file, ``concurrency`` at a time, then write every attestation; raise
    ``SigningError`` with a hint.

    Each signature is a round trip to the transparency log (and the timestamp authorities),
    so files are signed side by side. One ``Signer`` serves them all: with ``cache=True`` it
    gets its certificate once, when it is made, and after that only reads it.
    """
    if not dists:
        return []
    import requests
    import sigstore.errors
    from pypi_attestations import Attestation, AttestationError, Distribution
    from sigstore._internal.fulcio.client import ExpiredCertificate
    from sigstore.oidc import ExpiredIdentity, IdentityError, IdentityToken
    from sigstore.sign import SigningContext

    signed: list[tuple[DistFile, Attestation]] = []
    try:
        context = SigningContext.from_trust_config(trust_config)
        with context.signer(IdentityToken(id_token.reveal()), cache=True) as signer:

            def sign(dist: DistFile) -> tuple[DistFile, Attestation]:
                # The digest the check stage computed: the file is not read and hashed again.
                subject = Distribution(name=dist.name, digest=dist.hashes.sha256)
                return dist, Attestation.sign(signer, subject)

            workers = max(1, min(concurrency, len(dists)))
            with ThreadPoolExecutor(workers, thread_name_prefix="sign") as pool:
                # map re-raises the first failure here, where it is translated below.
                signed = list(pool.map(sign, dists))
    except (ExpiredIdentity, ExpiredCertificate):
        raise SigningError(
            "the job's identity expired while signing",
            "re-run the job; signing many large files can outlast the ID token, so split "
            "them over jobs if this repeats",
        ) from None
    except IdentityError as exc:
        raise SigningError(
            f"Sigstore did not accept the job's ID token: {exc}",
            "this happened after a successful Trusted Publishing exchange, which suggests a "
            "transient error: re-run the job",
        ) from None
    except (sigstore.errors.Error, AttestationError, requests.RequestException) as exc:
        # sigstore lets connection errors from its HTTP client through as they are.
        raise SigningError(
            f"signing with Sigstore failed: {type(exc).__name__}: {exc}",
            "re-run the job; if it persists, check that the runner can reach Sigstore (or the "
            "services in sigstore-trust-config), or set attestations: false",
        ) from None
    results = []
    for dist, attestation in signed:
        path = attestation_path(dist)
        path.write_text(attestation.model_dump_json(), encoding="utf-8")
        identity, log_index = _describe(attestation)
        results.append(SignedFile(dist, path, identity, log_index, reused=False))
    return results


# -- the stage -----------------------------------------------------------------------------


def sign_stage(plan: Plan, env: Environment) -> Plan:
    """The plan with an attestation for every file, or why none are made (attestations off,
    a password run, a dry run)."""
    if not env.config.attestations:
        return plan.with_stage("sign", "skipped", "attestations is false")
    if plan.decision.credentials == "password":
        env.reporter.warning(
            "attestations is true, but a password was given, which disables Trusted "
            "Publishing; PEP 740 attestations need it, so none are made. Set "
            "attestations: false to silence this.",
            title="attestations input ignored",
        )
        return plan.with_stage(
            "sign", "skipped", "attestations need Trusted Publishing; a password was given"
        )
    if plan.decision.dry_run:
        return plan.with_stage(
            "sign",
            "skipped",
            f"dry run: {len(plan.dists)} PEP 740 attestations would be made (no public "
            "transparency-log entries for a run that publishes nothing)",
        )
    records = _sign_records(plan.dists, env, built_now=plan.built)
    made = sum(1 for r in records if not r.reused)
    detail = f"{made} attestations signed"
    if made != len(records):
        detail += f", {len(records) - made} reused (made earlier by this workflow)"
    return replace(plan, attestations=records).with_stage("sign", "done", detail)


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


def transparency_log_url(log_index: str, trust_config_path: Path | None) -> str:
    """The entry in the public transparency log's search; none for a private Sigstore."""
    if trust_config_path is not None or not log_index:
        return ""
    return f"https://search.sigstore.dev/?logIndex={log_index}"


def _sign_records(
    dists: Sequence[DistFile], env: Environment, *, built_now: bool
) -> tuple[AttestationRecord, ...]:
    """Sign every distribution not already signed by this workflow; nothing half-done."""
    from py_release.attest.trust import load_trust_config

    trust_config_path = env.config.sigstore_trust_config
    trust_config = load_trust_config(trust_config_path)
    try:
        id_token = env.id_tokens("sigstore")
    except TrustedPublishingError as exc:
        raise ReleaseError(
            f"the ID token for signing could not be obtained: {exc.message}",
            "this came after a successful Trusted Publishing exchange, which suggests a "
            "transient error: re-run the job",
        ) from None
    reporter = env.reporter
    reporter.mask(id_token)
    signer = signer_from_claims(unverified_claims(id_token)) or expected_signer(env.context)
    to_sign, reused, replaced = plan_signing(
        dists, signer, trust_config.trusted_root, built_now=built_now
    )
    for line in replaced:
        reporter.info(f"replacing {line}: the file was built again by this run")
    signed: list[SignedFile] = []
    if to_sign:
        with reporter.group(f"Sign {len(to_sign)} files with Sigstore (PEP 740)"):
            signed = sign_distributions(
                to_sign, id_token, trust_config, concurrency=env.config.concurrency
            )
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
            log_url=transparency_log_url(item.log_index, trust_config_path),
        )
        for item in (*reused, *signed)
    )
