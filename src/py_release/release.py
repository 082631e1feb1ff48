"""The pipeline: configure -> decide -> build -> check -> authenticate -> sign -> upload ->
verify -> report. Nothing is uploaded until every file is built and checked.

Each stage takes the plan so far and returns a richer one; ``Pipeline.plan`` always holds the
latest, so a failure can still be reported with everything known up to it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import requests

from py_release.config import Config
from py_release.decide import decide
from py_release.dist.build import build_distributions
from py_release.dist.check import CheckOptions, check_distributions
from py_release.dist.files import DistFile, scan_packages_dir
from py_release.errors import (
    CheckFailed,
    ExistingFilesError,
    NoDistributionsError,
    NotConfiguredError,
    Problem,
    UploadError,
)
from py_release.github.context import GitHubContext
from py_release.index.query import existing_files
from py_release.index.upload import open_repository, upload_one
from py_release.plan import Plan
from py_release.report import publish_report
from py_release.reporter import Reporter


class Pipeline:
    """Runs one release. Collaborators are passed in; the constructor does no I/O."""

    def __init__(
        self,
        *,
        config: Config,
        context: GitHubContext,
        reporter: Reporter,
        session: requests.Session,
    ) -> None:
        self.config = config
        self.context = context
        self.reporter = reporter
        self.session = session
        self.plan = Plan()

    def run(self) -> Plan:
        for stage in (
            self.configure,
            self.decide,
            self.build,
            self.check,
            self.authenticate,
            self.sign,
            self.query_index,
            self.upload,
            self.verify,
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

    def decide(self, plan: Plan) -> Plan:
        contents = scan_packages_dir(self.config.packages_dir)
        decision = decide(self.config, self.context, has_dists=bool(contents.dists))
        mode = "dry run" if decision.dry_run else "release"
        self.reporter.info(f"mode: {mode} ({decision.dry_run_reason})")
        self.reporter.info(f"index: {decision.index.upload_url}")
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
            self._nudge_tokens(plan)
            return plan.with_stage(
                "authenticate", "done", f"user {self.config.user} with the password input"
            )
        if decision.dry_run:
            return plan.with_stage(
                "authenticate",
                "not configured",
                "no password given, so a real run would need Trusted Publishing, which this "
                "version of py-release does not provide yet",
            )
        raise NotConfiguredError(
            "no password was given, and Trusted Publishing is not available in this version "
            "of py-release yet",
            "pass an API token as the password input (user __token__), e.g. "
            "`password: ${{ secrets.PYPI_API_TOKEN }}`",
        )

    def _nudge_tokens(self, plan: Plan) -> None:
        assert plan.decision is not None
        password = self.config.password
        if not plan.decision.index.is_pypi or password is None:
            return
        if self.config.user == "__token__" and not password.reveal().startswith("pypi-"):
            self.reporter.warning(
                "the password does not look like a PyPI API token (they start with 'pypi-')",
                title="Potentially invalid token",
            )

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
        return plan.with_stage(
            "sign",
            "not configured",
            "PEP 740 signing is not available in this version of py-release yet",
        )

    def query_index(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        on_index = existing_files(
            plan.decision.index,
            plan.project,
            session=self.session,
            user=self.config.user,
            password=self.config.password,
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
        assert plan.decision is not None
        problems = []
        if differs:
            problems.append(
                ExistingFilesError(
                    "the index already has files of these names with other contents: "
                    + ", ".join(differs),
                    "a published file can never be replaced: release a new version",
                )
            )
        if same and not self.config.skip_existing:
            problems.append(
                ExistingFilesError(
                    "the index already has " + ", ".join(same),
                    "set skip-existing: true to leave existing files out, or release a new version",
                )
            )
        if not problems:
            return
        if plan.decision.dry_run:
            for problem in problems:
                self.reporter.warning(
                    f"a real run would fail: {problem.message} ({problem.hint})", title="index"
                )
            return
        raise problems[0]

    def upload(self, plan: Plan) -> Plan:
        assert plan.decision is not None
        if plan.decision.dry_run:
            would = plan.count("would upload")
            return plan.with_stage("upload", "skipped", f"dry run: {would} files would be uploaded")
        repository = open_repository(
            self.config.repository_url, self.config.user, self.config.password
        )
        # Wheels first, as twine does: a project's page shows its sdist last.
        ordered = sorted(plan.dists, key=lambda d: (d.kind != "wheel", d.name))
        try:
            with self.reporter.group(f"Upload to {plan.decision.index.upload_url}"):
                for dist in ordered:
                    if plan.statuses.get(dist.name) == "already on index":
                        plan = plan.with_status(dist.name, "skipped")
                        self.reporter.info(f"{dist.name}: already on the index, skipped")
                        continue
                    outcome = upload_one(repository, dist, skip_existing=self.config.skip_existing)
                    plan = plan.with_status(dist.name, outcome)
                    self.reporter.info(f"{dist.name}: {outcome}")
        finally:
            repository.close()
            self.plan = plan
        detail = f"{plan.count('uploaded')} uploaded, {plan.count('skipped')} skipped"
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
        problems: list[Problem] = []
        unverifiable: list[str] = []
        for dist in plan.dists:
            found = on_index.get(dist.name)
            if found is None:
                problems.append(
                    Problem(dist.name, "is not listed by the index after the upload", "")
                )
            elif found.sha256 is None:
                unverifiable.append(dist.name)
            elif found.sha256 != dist.hashes.sha256:
                problems.append(Problem(dist.name, f"the index serves sha256 {found.sha256}", ""))
        if problems:
            raise UploadError(
                "the index does not serve what was uploaded: "
                + "; ".join(str(p) for p in problems),
                "check the index (a proxy or cache may be in the way); re-running uploads "
                "only what is missing",
            )
        detail = f"the index lists all {len(plan.dists)} files with matching sha256"
        if unverifiable:
            detail += f" (no sha256 listed for {', '.join(unverifiable)})"
        return replace(plan, on_index=on_index).with_stage("verify", "done", detail)

    def report(self, plan: Plan) -> Plan:
        plan = plan.with_stage("report", "done", "outputs and job summary written")
        publish_report(plan, self.reporter, failure=None)
        return plan
