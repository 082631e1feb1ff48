"""The pipeline: configure -> audit -> decide -> build -> check -> authenticate -> sign ->
upload -> verify -> github-release -> report. Nothing is uploaded until every file is built
and checked.

Each stage takes the plan so far and returns a richer one; ``Pipeline.plan`` always holds the
latest, so a failure can still be reported with everything known up to it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import requests

from py_release.config import Config
from py_release.decide import decide
from py_release.distributions.build import build_distributions
from py_release.distributions.check import CheckOptions, check_distributions
from py_release.distributions.files import DistFile, scan_packages_dir
from py_release.errors import (
    CheckFailed,
    ExistingFilesError,
    NoDistributionsError,
    ReleaseError,
)
from py_release.github.context import GitHubContext
from py_release.index.credentials import (
    Credentials,
    StaticCredentials,
    TrustedPublishingCredentials,
)
from py_release.index.nudges import publisher_setup_note, token_nudges
from py_release.index.query import existing_files
from py_release.index.read_back import compare_with_index
from py_release.index.retry import RetryPolicy
from py_release.index.trusted_publishing import (
    IdTokenSource,
    get_audience,
    github_id_token,
    oidc_base,
    preflight,
)
from py_release.index.uploader import Uploader, UploadJob, summarise_failures
from py_release.plan import Plan
from py_release.report import publish_report
from py_release.reporter import Reporter
from py_release.workflow.preflight import enforce, run_preflight


class Pipeline:
    """Runs one release. Collaborators are passed in; the constructor does no I/O."""

    def __init__(
        self,
        *,
        config: Config,
        context: GitHubContext,
        reporter: Reporter,
        session: requests.Session,
        id_tokens: IdTokenSource = github_id_token,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.context = context
        self.reporter = reporter
        self.session = session
        self.id_tokens = id_tokens
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.credentials: Credentials = StaticCredentials(config.user, config.password)
        self.plan = Plan()

    def run(self) -> Plan:
        for stage in (
            self.configure,
            self.audit,
            self.decide,
            self.build,
            self.check,
            self.authenticate,
            self.sign,
            self.query_index,
            self.upload,
            self.verify,
            self.github_release,
            self.report,
        ):
            self.plan = stage(self.plan)
        return self.plan

    # -- stages ---------------------------------------------------------------------------

    def configure(self, plan: Plan) -> Plan:
        for warning in self.config.warnings:
            self.reporter.warning(warning, title="input")
        detail = "inputs valid"
        requested = self.config.python
        if requested:
            # scripts/bootstrap picks the interpreter from this input; here it is only reported.
            running = sys.executable
            found = shutil.which(requested)
            if found is None or Path(found).resolve() != Path(running).resolve():
                self.reporter.info(
                    f"python input '{requested}' chooses the interpreter scripts/bootstrap "
                    f"builds the action's venv with; this process runs on {running}"
                )
            detail += f"; python: {requested}"
        return plan.with_stage("configure", "done", detail)

    def audit(self, plan: Plan) -> Plan:
        """The doctor preflight: the running workflow against the release checklist."""
        if self.config.doctor == "off":
            return plan.with_stage("audit", "skipped", "doctor is off")
        try:
            preflight = run_preflight(self.context)
        except ReleaseError as error:
            # The runner parsed this workflow, so this is doctor's limit, not the user's error.
            self.reporter.warning(f"doctor could not read the workflow: {error}", title="doctor")
            return plan.with_stage("audit", "skipped", "workflow unreadable")
        if preflight.workflow is None:
            self.reporter.info(f"doctor: nothing to audit ({preflight.skipped_because})")
            return plan.with_stage("audit", "skipped", preflight.skipped_because)
        for finding in preflight.problems:
            self.reporter.warning(
                f"{finding.check}: {finding.message} — fix: {finding.fix}",
                title=f"doctor: {preflight.workflow}",
            )
        plan = replace(plan, workflow_findings=preflight.problems)
        if self.config.doctor == "error":
            enforce(preflight)
        count = len(preflight.problems)
        detail = f"{preflight.workflow}: " + (
            f"{count} finding(s), see below" if count else "every checklist item passes"
        )
        return plan.with_stage("audit", "done", detail)

    def decide(self, plan: Plan) -> Plan:
        contents = scan_packages_dir(self.config.packages_dir)
        decision = decide(self.config, self.context, has_dists=bool(contents.dists))
        mode = "dry run" if decision.dry_run else "release"
        self.reporter.info(f"mode: {mode} ({decision.dry_run_reason})")
        for note in self.config.sandbox.notes():
            self.reporter.info(note)
        self.reporter.info(f"index: {decision.index.display} ({decision.index_reason})")
        if not decision.dry_run and self.config.github_release != "false":
            from py_release.github.release_stage import require_release_prerequisites

            require_release_prerequisites(self.config, self.context)
        return replace(plan, decision=decision).with_stage(
            "decide", "done", f"{mode}: {decision.dry_run_reason}; {decision.build_reason}"
        )

    def build(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        folder = self.config.packages_dir
        if not plan.decision.build:
            contents = scan_packages_dir(folder)
            self._refuse_impostors(contents.not_files)
            for entry in contents.ignored:
                self.reporter.warning(
                    f"{entry} is not a distribution and will not be uploaded",
                    title="packages-dir",
                )
            if not contents.dists:
                raise NoDistributionsError(
                    f"packages-dir '{folder}' holds no distributions (.whl, .tar.gz)",
                    "build them before this step, or set build to true (or auto) to let "
                    "py-release build the project in project-dir",
                )
            names = ", ".join(d.name for d in contents.dists)
            return replace(plan, dists=contents.dists).with_stage(
                "build", "skipped", f"using ready files from {folder}: {names}"
            )
        with self.reporter.group(f"Build {self.config.project_dir}"):
            dists = self._build_into(folder)
        names = ", ".join(d.name for d in dists)
        return replace(plan, dists=dists, built=True).with_stage(
            "build", "done", f"built {names} (wheel from the sdist)"
        )

    def _build_into(self, folder: Path) -> tuple[DistFile, ...]:
        others = scan_packages_dir(folder).dists
        with tempfile.TemporaryDirectory(prefix="py-release-out-") as scratch:
            built = build_distributions(
                self.config.project_dir,
                Path(scratch),
                verbose=self.config.verbose,
                log=self.reporter.info,
            )
            folder.mkdir(parents=True, exist_ok=True)
            placed = []
            for dist in built:
                target = folder / dist.name
                shutil.move(dist.path, target)
                placed.append(DistFile(target))
        stale = [d.name for d in others if d.name not in {p.name for p in placed}]
        if stale:
            self.reporter.warning(
                f"{folder} also holds {', '.join(stale)}; only the files just built are used",
                title="packages-dir",
            )
        return tuple(placed)

    def _refuse_impostors(self, not_files: Sequence[Path]) -> None:
        if not_files:
            raise NoDistributionsError(
                "these look like distributions but are not regular files: "
                + ", ".join(str(p) for p in not_files),
                "download artifacts with merge-multiple: true (or move the files up) so "
                "packages-dir holds the .whl and .tar.gz files themselves",
            )

    def check(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        options = CheckOptions(
            verify_metadata=self.config.verify_metadata,
            refuse_local_versions=plan.decision.index.is_pypi,
            tag=self.context.tag,
            check_tag=self.config.check_tag,
            max_file_size=self.config.max_file_size,
        )
        with self.reporter.group(f"Check {len(plan.dists)} files"):
            report = check_distributions(plan.dists, options)
            for problem in report.problems:
                self.reporter.error(f"{problem.message}\nhint: {problem.hint}", title=problem.file)
        plan = replace(plan, report=report)
        if report.problems:
            self.plan = plan  # the failure summary still names the project and version
            raise CheckFailed(report.problems)
        self._print_hashes(plan.dists)
        checks = "strict twine check, metadata, PyPI rules, names, integrity, size"
        if options.tag and self.config.check_tag != "false":
            checks += f", tag {options.tag}"
        self.reporter.info(f"{plan.project} {plan.version}: all {len(plan.dists)} files pass")
        return plan.with_stage("check", "done", f"{len(plan.dists)} files pass: {checks}")

    def _print_hashes(self, dists: Sequence[DistFile]) -> None:
        if not self.config.print_hash:
            return
        with self.reporter.group("File hashes"):
            for dist in dists:
                hashes = dist.hashes
                self.reporter.info(
                    f"{dist.name}\n  SHA256: {hashes.sha256}\n  MD5: {hashes.md5}\n"
                    f"  BLAKE2-256: {hashes.blake2_256}"
                )

    def authenticate(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        decision = plan.decision
        if decision.credentials == "password":
            plan = self._nudge_tokens(plan)
            return plan.with_stage(
                "authenticate", "done", f"user {self.config.user} with the password input"
            )
        if decision.dry_run:
            present = "present" if self.context.id_token_available else "absent"
            detail = (
                f"a real run would use Trusted Publishing; the ID-token request variables are "
                f"{present}"
            )
            if not self.context.id_token_available:
                detail += " (a real run needs `permissions: id-token: write` on the job)"
            return plan.with_stage("authenticate", "skipped", f"dry run: {detail}")
        preflight(self.context)
        base = oidc_base(decision.index.upload_url)
        audience = get_audience(self.session, base)
        credentials = TrustedPublishingCredentials(
            session=self.session,
            base=base,
            audience=audience,
            project=plan.project,
            id_tokens=self.id_tokens,
            reporter=self.reporter,
            clock=self.clock,
        )
        credentials.password()  # mint now: a refusal stops the run before any upload
        self.credentials = credentials
        return plan.with_stage(
            "authenticate",
            "done",
            f"Trusted Publishing: exchanged the job's ID token (audience {audience}) for a "
            f"short-lived token for {plan.project}",
        )

    def _nudge_tokens(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        index = plan.decision.index
        nudges = token_nudges(index, self.config.user, self.config.password)
        for nudge in nudges:
            self.reporter.warning(nudge.message, title=nudge.title)
        if not nudges:
            return plan
        return plan.with_note(publisher_setup_note(index, plan.project, self.context))

    def sign(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        if not self.config.attestations:
            return plan.with_stage("sign", "skipped", "attestations is false")
        if plan.decision.credentials == "password":
            self.reporter.warning(
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
        from py_release.attest.stage import sign_stage

        records = sign_stage(
            plan.dists,
            context=self.context,
            trust_config_path=self.config.sigstore_trust_config,
            id_tokens=self.id_tokens,
            reporter=self.reporter,
        )
        made = sum(1 for r in records if not r.reused)
        detail = f"{made} attestations signed"
        if made != len(records):
            detail += f", {len(records) - made} reused (made earlier by this workflow)"
        return replace(plan, attestations=records).with_stage("sign", "done", detail)

    def query_index(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        on_index = existing_files(
            plan.decision.index,
            plan.project,
            session=self.session,
            user=self.config.user,
            password=self.config.password,
            version=plan.version,
        )
        statuses = dict(plan.statuses)
        same: list[str] = []
        differs: list[str] = []
        for dist in plan.dists:
            found = on_index.get(dist.name)
            if found is None:
                statuses[dist.name] = "would upload" if plan.decision.dry_run else "pending"
            elif found.sha256 in (None, dist.hashes.sha256):
                same.append(dist.name)
                statuses[dist.name] = "already on index"
            else:
                differs.append(dist.name)
                statuses[dist.name] = "differs on index"
        plan = replace(plan, on_index=on_index, statuses=statuses)
        self._judge_existing(plan, same, differs)
        return plan

    def _judge_existing(self, plan: Plan, same: list[str], differs: list[str]) -> None:
        """Identical files are never sent again (just reported); a file of the same name with
        other contents refuses the whole release before any upload."""
        assert plan.decision is not None
        if same:
            self.reporter.info(
                f"{len(same)} files are already on the index and will not be sent again: "
                + ", ".join(same)
            )
        if not differs:
            return
        problem = ExistingFilesError(
            "the index already has files of these names with other contents: " + ", ".join(differs),
            "a published file can never be replaced: release a new version",
        )
        if plan.decision.dry_run:
            self.reporter.warning(
                f"a real run would fail: {problem.message} ({problem.hint})", title="index"
            )
            return
        raise problem

    def upload(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        if plan.decision.dry_run:
            would = plan.count("would upload")
            return plan.with_stage("upload", "skipped", f"dry run: {would} files would be uploaded")
        already = plan.count("already on index")
        # Wheels first, as twine does: a project's page shows its sdist last.
        jobs = [
            UploadJob(dist, tuple(Path(r.path) for r in plan.attestations if r.file == dist.name))
            for dist in sorted(plan.dists, key=lambda d: (d.kind != "wheel", d.name))
            if plan.statuses.get(dist.name) == "pending"
        ]
        uploader = Uploader(
            index=plan.decision.index,
            project=plan.project,
            credentials=self.credentials,
            reporter=self.reporter,
            concurrency=self.config.concurrency,
            skip_existing=self.config.skip_existing,
            retry=self.retry,
            sleep=self.sleep,
        )
        title = f"Upload {len(jobs)} files to {plan.decision.index.display}"
        with self.reporter.group(f"{title} ({self.config.concurrency} at a time)"):
            outcomes, failures = uploader.upload(jobs, project_exists=bool(plan.on_index))
        for name, outcome in outcomes.items():
            plan = plan.with_status(name, outcome)
        self.plan = plan
        if failures:
            raise summarise_failures(failures, outcomes)
        detail = f"{plan.count('uploaded')} uploaded, {plan.count('skipped')} skipped"
        if already:
            detail += f"; {already} were already on the index (not sent again)"
        return plan.with_stage("upload", "done", detail)

    def verify(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        if plan.decision.dry_run:
            return plan.with_stage("verify", "skipped", "dry run: nothing was uploaded")
        if not self.config.verify_upload:
            return plan.with_stage("verify", "skipped", "verify-upload is false")
        on_index = existing_files(
            plan.decision.index,
            plan.project,
            session=self.session,
            user=self.config.user,
            password=self.config.password,
        )
        detail = compare_with_index(plan.dists, on_index)
        plan = replace(plan, on_index=on_index)
        decision = plan.decision
        assert decision is not None
        uploaded_attestations = [
            r for r in plan.attestations if plan.statuses.get(r.file) == "uploaded"
        ]
        if uploaded_attestations:
            from py_release.attest.stage import check_provenance

            self.plan = plan
            checked = check_provenance(
                uploaded_attestations,
                plan.dists,
                index=decision.index,
                project=plan.project,
                version=plan.version,
                trust_config_path=self.config.sigstore_trust_config,
                session=self.session,
            )
            verified = {r.file for r in checked}
            plan = replace(
                plan,
                attestations=tuple(
                    replace(r, verified=r.file in verified) for r in plan.attestations
                ),
            )
            detail += (
                f"; provenance of {len(checked)} files verified against "
                f"{checked[0].repository} / {checked[0].workflow}"
            )
        return plan.with_stage("verify", "done", detail)

    def github_release(self, plan: Plan) -> Plan:
        # Imported when reached: the first lines of a run should not wait for it.
        from py_release.github.release_stage import github_release_stage

        return github_release_stage(
            plan,
            config=self.config,
            context=self.context,
            reporter=self.reporter,
            session=self.session,
        )

    def report(self, plan: Plan) -> Plan:
        plan = plan.with_stage("report", "done", "outputs and job summary written")
        publish_report(plan, self.reporter, failure=None)
        return plan
