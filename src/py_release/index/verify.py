"""The verify stage: after the upload, does the index serve exactly the files that were sent,
with the provenance that was signed for them?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from py_release.distributions.files import DistFile
from py_release.errors import Problem, ReleaseError, UploadError
from py_release.index.query import IndexFile, existing_files

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan


def verify_stage(plan: Plan, env: Environment) -> Plan:
    """Read the listing back and compare sha256; check the provenance of each uploaded file
    against the publisher that signed it."""
    if plan.decision.dry_run:
        return plan.with_stage("verify", "skipped", "dry run: nothing was uploaded")
    config = env.config
    if not config.verify_upload:
        return plan.with_stage("verify", "skipped", "verify-upload is false")
    index = plan.decision.index
    on_index = existing_files(
        index, plan.project, session=env.session, user=config.user, password=config.password
    )
    detail = compare_with_index(plan.dists, on_index)
    plan = replace(plan, on_index=on_index)
    uploaded = [r for r in plan.attestations if plan.statuses.get(r.file) == "uploaded"]
    if not uploaded:
        return plan.with_stage("verify", "done", detail)
    # Imported when reached: sigstore's verification is heavy and a password run never needs it.
    from py_release.attest.provenance import check_provenance

    try:
        checked = check_provenance(
            uploaded,
            plan.dists,
            index=index,
            project=plan.project,
            version=plan.version,
            trust_config_path=config.sigstore_trust_config,
            session=env.session,
            concurrency=config.concurrency,
        )
    except ReleaseError as error:
        return plan.refused(error)
    verified = {r.file for r in checked}
    attestations = tuple(replace(r, verified=r.file in verified) for r in plan.attestations)
    detail += (
        f"; provenance of {len(checked)} files verified against "
        f"{checked[0].repository} / {checked[0].workflow}"
    )
    return replace(plan, attestations=attestations).with_stage("verify", "done", detail)


def compare_with_index(dists: Sequence[DistFile], on_index: Mapping[str, IndexFile]) -> str:
    """A one-line verdict when every file is listed with its sha256; raises ``UploadError``
    naming every file that is missing or differs."""
    problems: list[Problem] = []
    unverifiable: list[str] = []
    for dist in dists:
        found = on_index.get(dist.name)
        if found is None:
            problems.append(Problem(dist.name, "is not listed by the index after the upload", ""))
        elif found.sha256 is None:
            unverifiable.append(dist.name)
        elif found.sha256 != dist.hashes.sha256:
            problems.append(Problem(dist.name, f"the index serves sha256 {found.sha256}", ""))
    if problems:
        raise UploadError(
            "the index does not serve what was uploaded: " + "; ".join(str(p) for p in problems),
            "check the index (a proxy or cache may be in the way); re-running uploads only "
            "what is missing",
        )
    detail = f"the index lists all {len(dists)} files with matching sha256"
    if unverifiable:
        detail += f" (no sha256 listed for {', '.join(unverifiable)})"
    return detail
