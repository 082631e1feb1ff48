"""The release as it grows stage by stage: an immutable record each stage extends."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self, get_args

from py_release.distributions.files import DistFile, DistKind
from py_release.errors import ReleaseError
from py_release.index.repositories import IndexInfo
from py_release.workflow.findings import Finding

if TYPE_CHECKING:
    from py_release.dependencies.findings import AuditResult
    from py_release.distributions.check import CheckReport
    from py_release.index.credentials import Credentials
    from py_release.index.query import IndexFile
    from py_release.workflow.manual import ManualChecklist

Stage = Literal[
    "configure",
    "doctor",
    "decide",
    "build",
    "check",
    "audit",
    "authenticate",
    "sign",
    "upload",
    "verify",
    "github-release",
    "report",
]
# The stages in the order a release runs them.
STAGES: tuple[Stage, ...] = get_args(Stage)
# "incomplete": done, but part of it could not be (a service did not answer): never a pass.
StageState = Literal["done", "skipped", "failed", "not configured", "incomplete"]
CredentialsKind = Literal["password", "trusted-publishing"]
# "failed": sent and refused (or kept failing); "not sent": the upload stopped before it.
FileStatus = Literal[
    "pending",
    "uploaded",
    "skipped",
    "would upload",
    "already on index",
    "differs on index",
    "failed",
    "not sent",
]


@dataclass(frozen=True)
class Decision:
    """What the decide stage settled, from the inputs and the event alone."""

    dry_run: bool
    dry_run_reason: str
    # What to build, in order; empty: use the ready files in packages-dir.
    build: tuple[DistKind, ...]
    build_reason: str
    index: IndexInfo
    index_reason: str
    credentials: CredentialsKind


@dataclass(frozen=True)
class StageResult:
    stage: Stage
    state: StageState
    detail: str


@dataclass(frozen=True)
class AttestationRecord:
    """A PEP 740 attestation made (or reused) for one distribution."""

    file: str
    path: str
    identity: str
    log_index: str
    reused: bool
    # The repository and workflow file the certificate names (the expected publisher).
    repository: str = ""
    workflow: str = ""
    verified: bool = False
    # The entry in the public transparency log's search, when the public Sigstore signed.
    log_url: str = ""


@dataclass(frozen=True, kw_only=True)
class Record:
    """What every run records, from its first stage on: before a decision exists (configure,
    doctor, decide) and, as a ``Plan``, after it."""

    stages: tuple[StageResult, ...] = ()
    # Extra lines for the job summary (setup links and the like), Markdown.
    notes: tuple[str, ...] = ()
    # What the doctor stage found in the running workflow (warnings and failures).
    workflow_findings: tuple[Finding, ...] = ()
    # The items of the checklist only the settings answer, for a workflow that publishes.
    manual_checklist: ManualChecklist | None = None
    # Set by a stage that learnt something and then refused: the runner reports the richer
    # record and stops.
    failure: ReleaseError | None = None

    def with_stage(self, stage: Stage, state: StageState, detail: str) -> Self:
        return replace(self, stages=(*self.stages, StageResult(stage, state, detail)))

    def with_note(self, note: str) -> Self:
        return replace(self, notes=(*self.notes, note))

    def refused(self, failure: ReleaseError) -> Self:
        return replace(self, failure=failure)


@dataclass(frozen=True, kw_only=True)
class Plan(Record):
    """A decided release: every stage after decide extends it."""

    decision: Decision
    # Who uploads: the password input, or the Trusted Publishing exchange (which renews itself).
    credentials: Credentials
    dists: tuple[DistFile, ...] = ()
    built: bool = False
    report: CheckReport | None = None
    # What the audit stage found, when it ran.
    audit: AuditResult | None = None
    # The release's CycloneDX SBOM, written beside its files by the audit stage.
    sbom: Path | None = None
    on_index: dict[str, IndexFile] = field(default_factory=dict)
    statuses: dict[str, FileStatus] = field(default_factory=dict)
    # Why a file has its status, where the status alone does not say (failed, not sent).
    status_reasons: dict[str, str] = field(default_factory=dict)
    attestations: tuple[AttestationRecord, ...] = ()
    # The GitHub Release of the tag, once made or completed (the release-url output).
    release_url: str = ""

    @property
    def project(self) -> str:
        return self.report.project if self.report else ""

    @property
    def version(self) -> str:
        return self.report.version if self.report else ""

    def with_status(self, name: str, status: FileStatus, reason: str = "") -> Plan:
        reasons = {**self.status_reasons}
        if reason:
            reasons[name] = reason
        else:
            reasons.pop(name, None)
        return replace(self, statuses={**self.statuses, name: status}, status_reasons=reasons)

    def count(self, status: FileStatus) -> int:
        return sum(1 for s in self.statuses.values() if s == status)
