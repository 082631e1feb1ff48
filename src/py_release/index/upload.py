"""The upload stage: a bounded pool of uploads, each retried with backoff, and after any
failed or ambiguous attempt the index is asked whether the file arrived before it is sent again.

The first file goes alone when the project does not exist yet (it creates the project); the
rest go in parallel. twine's ``Repository`` streams each file from disk; every worker thread has
its own, as requests' sessions are not meant to be shared between threads.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from twine.repository import Repository

from py_release.distributions.files import DistFile
from py_release.errors import ReleaseError, UploadError
from py_release.index.credentials import Credentials
from py_release.index.progress import UploadProgress
from py_release.index.query import existing_files
from py_release.index.repositories import IndexInfo
from py_release.index.retry import RetryPolicy
from py_release.index.send import (
    Attempt,
    Outcome,
    open_repository,
    refusal,
    send_once,
    twine_quiet_stdout,
)
from py_release.reporter import Reporter

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan


def upload_stage(plan: Plan, env: Environment) -> Plan:
    """Send every pending file (wheels first, as twine does: a project's page shows its sdist
    last); what could be sent is, and the plan records it even when another file failed."""
    decision = plan.decision
    if decision.dry_run:
        would = plan.count("would upload")
        return plan.with_stage("upload", "skipped", f"dry run: {would} files would be uploaded")
    already = plan.count("already on index")
    jobs = [
        UploadJob(
            dist,
            tuple(Path(r.path) for r in plan.attestations if r.file == dist.name),
            reused_attestation=any(r.reused for r in plan.attestations if r.file == dist.name),
        )
        for dist in sorted(plan.dists, key=lambda d: (d.kind != "wheel", d.name))
        if plan.statuses.get(dist.name) == "pending"
    ]
    config = env.config
    uploader = Uploader(
        index=decision.index,
        project=plan.project,
        credentials=plan.credentials,
        reporter=env.reporter,
        concurrency=config.concurrency,
        skip_existing=config.skip_existing,
        retry=env.retry,
        sleep=env.sleep,
    )
    title = f"Upload {len(jobs)} files to {decision.index.display}"
    with env.reporter.group(f"{title} ({config.concurrency} at a time)"):
        outcomes, failures = uploader.upload(jobs, project_exists=bool(plan.on_index))
    for name, outcome in outcomes.items():
        plan = plan.with_status(name, outcome)
    for name, error in failures.items():
        plan = plan.with_status(name, "failed", error.message)
    for job in jobs:
        if job.dist.name not in outcomes and job.dist.name not in failures:
            first = ", ".join(failures)
            plan = plan.with_status(
                job.dist.name,
                "not sent",
                f"the first upload ({first}) creates the project and failed; every other "
                "file would have failed the same way",
            )
    if failures:
        return plan.refused(summarise_failures(failures, outcomes))
    detail = f"{plan.count('uploaded')} uploaded, {plan.count('skipped')} skipped"
    if already:
        detail += f"; {already} were already on the index (not sent again)"
    return plan.with_stage("upload", "done", detail)


@dataclass(frozen=True)
class UploadJob:
    dist: DistFile
    attestations: tuple[Path, ...] = ()
    # Made by an earlier run: a refusal of it says so instead of blaming the publisher.
    reused_attestation: bool = False


class Uploader:
    """Uploads jobs to one index; collaborators are passed in, no I/O until ``upload``."""

    def __init__(
        self,
        *,
        index: IndexInfo,
        project: str,
        credentials: Credentials,
        reporter: Reporter,
        concurrency: int = 8,
        skip_existing: bool = False,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.index = index
        self.project = project
        self.credentials = credentials
        self.reporter = reporter
        self.concurrency = max(1, concurrency)
        self.skip_existing = skip_existing
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 -- jitter, not cryptography
        self._local = threading.local()
        self._repositories: list[Repository] = []
        self._lock = threading.Lock()
        self._progress = UploadProgress([], reporter, clock=clock)

    # -- the pool ------------------------------------------------------------------------

    def upload(
        self, jobs: Sequence[UploadJob], *, project_exists: bool
    ) -> tuple[dict[str, Outcome], dict[str, UploadError]]:
        """Send every job; return each file's outcome and each file's final error.

        One file's failure does not stop the others: what can be uploaded is, so a re-run has
        less to do.
        """
        outcomes: dict[str, Outcome] = {}
        failures: dict[str, UploadError] = {}
        remaining = list(jobs)
        self._progress = UploadProgress(
            [job.dist for job in jobs], self.reporter, clock=self._clock
        )
        try:
            with twine_quiet_stdout():
                self._upload_all(remaining, outcomes, failures, project_exists=project_exists)
        finally:
            self._progress.close()
        return outcomes, failures

    def _upload_all(
        self,
        remaining: list[UploadJob],
        outcomes: dict[str, Outcome],
        failures: dict[str, UploadError],
        *,
        project_exists: bool,
    ) -> None:
        try:
            if remaining and not project_exists:
                first = remaining.pop(0)
                self._run_one(first, outcomes, failures)
                if failures:
                    # Without the project, every other file would fail the same way.
                    return
            with ThreadPoolExecutor(
                max_workers=self.concurrency, thread_name_prefix="upload"
            ) as pool:
                futures = [pool.submit(self._run_one, job, outcomes, failures) for job in remaining]
                for future in as_completed(futures):
                    future.result()
        finally:
            for repository in self._repositories:
                repository.close()

    def _run_one(
        self, job: UploadJob, outcomes: dict[str, Outcome], failures: dict[str, UploadError]
    ) -> None:
        try:
            outcome = self.send_with_retries(job)
        except UploadError as error:
            with self._lock:
                failures[job.dist.name] = error
            self._progress.settled(job.dist.name)
            self.reporter.warning(f"{job.dist.name}: {error.message}", title="upload")
            return
        with self._lock:
            outcomes[job.dist.name] = outcome
        self._progress.settled(job.dist.name)
        self.reporter.info(f"{job.dist.name}: {outcome}")

    # -- one file --------------------------------------------------------------------------

    def _repository(self) -> Repository:
        repository: Repository | None = getattr(self._local, "repository", None)
        if repository is None:
            repository = open_repository(
                self.index.upload_url,
                self.credentials.user,
                self.credentials.password(),
                timeout=self.retry.timeout,
            )
            self._local.repository = repository
            with self._lock:
                self._repositories.append(repository)
        return repository

    def send_with_retries(self, job: UploadJob) -> Outcome:
        """Send one file until it is on the index, the index refuses it, or retries run out."""
        started = self._clock()
        renewed = False
        attempt_number = 0
        while True:
            attempt_number += 1
            repository = self._repository()
            password = self.credentials.password()
            repository.session.auth = (
                (self.credentials.user, password.reveal()) if password else None
            )
            attempt = send_once(
                repository,
                job.dist,
                job.attestations,
                watch=functools.partial(self._progress.sent, job.dist.name),
            )
            if attempt.answer == "ok":
                return "uploaded"
            if attempt.answer == "exists":
                # Our own earlier attempt may have landed (the answer was lost on the way).
                if self._arrived(job.dist):
                    return "uploaded" if attempt_number > 1 else "already on index"
                if self.skip_existing:
                    return "skipped"
                raise refusal(job.dist, attempt, skip_existing=self.skip_existing)
            if attempt.answer == "auth" and not renewed and "expired" in attempt.reason.lower():
                renewed = self.credentials.renew()
                if renewed:
                    attempt_number -= 1  # a renewed token is not a failed attempt
                    continue
            if attempt.answer != "transient":
                raise refusal(
                    job.dist,
                    attempt,
                    skip_existing=self.skip_existing,
                    reused_attestation=job.reused_attestation,
                )
            if self._arrived(job.dist):
                # The index took the file but the answer was lost: done, and not sent twice.
                return "uploaded"
            self._wait_or_give_up(job, attempt, attempt_number, started)

    def _wait_or_give_up(
        self, job: UploadJob, attempt: Attempt, attempt_number: int, started: float
    ) -> None:
        delay = self.retry.delay(attempt_number, attempt.retry_after, self._rng)
        spent = self._clock() - started
        if attempt_number >= self.retry.attempts or spent + delay > self.retry.total:
            raise refusal(job.dist, attempt, skip_existing=self.skip_existing)
        self.reporter.info(
            f"{job.dist.name}: attempt {attempt_number} failed "
            f"({attempt.status or ''} {attempt.reason}); trying again in {delay:.1f} s"
        )
        self._sleep(delay)

    def _arrived(self, dist: DistFile) -> bool:
        """Whether the index lists this file with this sha256."""
        try:
            with requests.Session() as session:
                listed = existing_files(self.index, self.project, session=session)
        except (ReleaseError, requests.RequestException):
            return False  # the index cannot say: treat as not arrived, and try again
        found = listed.get(dist.name)
        return found is not None and found.sha256 == dist.hashes.sha256


def summarise_failures(
    failures: Mapping[str, UploadError], outcomes: Mapping[str, Outcome]
) -> UploadError:
    """One error naming every file that failed and what did get uploaded."""
    failed = "; ".join(f"{name}: {error.message}" for name, error in sorted(failures.items()))
    done = sorted(name for name, outcome in outcomes.items() if outcome == "uploaded")
    there = sorted(name for name, outcome in outcomes.items() if outcome != "uploaded")
    message = f"{len(failures)} files were not uploaded: {failed}"
    if done:
        message += f". Uploaded: {', '.join(done)}"
    if there:
        message += f". Already on the index: {', '.join(there)}"
    hints = sorted({error.hint for error in failures.values()})
    return UploadError(message, " / ".join(hints) + " (a re-run sends only what is missing)")
