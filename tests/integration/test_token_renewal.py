"""A release whose upload outlives its minted token finishes: the token is minted again (with a
fresh ID token) before it expires, and once more if the index still calls it expired."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import requests

from py_release.config import load_config
from py_release.decide import decide_stage
from py_release.distributions.build import build_stage
from py_release.distributions.check import check_stage
from py_release.environment import Environment, release_environment
from py_release.github.context import GitHubContext
from py_release.index.authenticate import authenticate_stage
from py_release.index.query import query_stage
from py_release.index.upload import upload_stage
from py_release.index.verify import verify_stage
from py_release.plan import Record
from py_release.release import StageFunction, run_release, sign_stage
from py_release.reporter import TerminalReporter
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.session import Sandbox
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from tests.helpers import dist_names
from tests.secrets_registry import assert_no_secrets, register_secret

PROJECT = "py-release-sample"
IDENTITY = JobIdentity(repository="octo-org/sample-project", ref="refs/tags/v1.0.0")
CONTEXT = GitHubContext(
    event_name="push",
    ref=IDENTITY.ref,
    repository=IDENTITY.repository,
    id_token_available=True,
)


class SteppingClock:
    """Time that moves on by ``step`` seconds each time it is read: a slow upload."""

    def __init__(self, step: float) -> None:
        self.now = time.time()
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class ManualClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _publisher() -> TrustedPublisher:
    return TrustedPublisher(
        project=PROJECT,
        repository=IDENTITY.repository,
        repository_owner_id=IDENTITY.repository_owner_id,
        workflow_file=IDENTITY.workflow_file,
        environment="pypi",
    )


def _pipeline(
    warehouse: Warehouse, issuer: GitHubIssuer, packages: Path, clock: Callable[[], float]
) -> tuple[Environment, io.StringIO]:
    config = load_config(
        {},
        {"repository-url": warehouse.upload_url, "packages-dir": str(packages),
         "attestations": "false", "audit": "off"},
    )  # fmt: skip
    log = io.StringIO()
    reporter = TerminalReporter(verbose=True, out=log, err=log)
    env = release_environment(
        config=config,
        context=CONTEXT,
        reporter=reporter,
        session=requests.Session(),
        id_tokens=Sandbox(issuer, warehouse).id_tokens(),
        clock=clock,
    )
    return env, log


def _scan(issuer: GitHubIssuer, warehouse: Warehouse, log: io.StringIO) -> None:
    for token in issuer.issued:
        register_secret(token)
    for minted in warehouse.minted:
        register_secret(minted.reveal())
    assert_no_secrets(log.getvalue())


def test_a_token_about_to_expire_is_minted_again_before_the_next_file(
    packages_dir: Path, tmp_path: Path
) -> None:
    clock = SteppingClock(step=10)
    with (
        GitHubIssuer(identity=IDENTITY, clock=clock) as issuer,
        Warehouse(issuer=issuer, root=tmp_path / "w", clock=clock, token_lifetime=150) as warehouse,
    ):
        warehouse.add_publisher(_publisher())
        env, log = _pipeline(warehouse, issuer, packages_dir, clock)

        plan = run_release(env)

        _scan(issuer, warehouse, log)
        assert plan.count("uploaded") == 2
        assert set(warehouse.files(PROJECT)) == dist_names(packages_dir)
        assert len(warehouse.minted) >= 2
        assert len(issuer.issued) == len(warehouse.minted)  # a fresh ID token for each mint
        assert "minted a fresh upload token" in log.getvalue()


def test_a_token_the_index_calls_expired_is_renewed_once_and_the_file_sent_again(
    packages_dir: Path, tmp_path: Path
) -> None:
    index_clock = ManualClock()  # the index's and the issuer's time; the client keeps its own
    with (
        GitHubIssuer(identity=IDENTITY, clock=index_clock) as issuer,
        Warehouse(
            issuer=issuer, root=tmp_path / "w", clock=index_clock, token_lifetime=300
        ) as warehouse,
    ):
        warehouse.add_publisher(_publisher())
        env, log = _pipeline(warehouse, issuer, packages_dir, time.time)
        plan = decide_stage(Record(), env)
        first: tuple[StageFunction, ...] = (build_stage, check_stage, authenticate_stage)
        for stage in first:
            plan = stage(plan, env)
        index_clock.now += 400  # the token expires on the index while the client trusts it

        for stage in (sign_stage, query_stage, upload_stage, verify_stage):
            plan = stage(plan, env)

        _scan(issuer, warehouse, log)
        assert plan.count("uploaded") == 2
        statuses = [status for _, status in warehouse.uploads]
        assert statuses[0] == 403  # "token is expired": refused, then renewed and sent again
        assert statuses[1:] == [200, 200]
        assert len(warehouse.minted) == 2
