"""The release sandbox as one unit: a GitHub ID-token issuer, a local Sigstore that certifies
the issuer's jobs, and two warehouses that trust both -- stand-ins for PyPI and TestPyPI --
each with a trusted publisher registered for the job the issuer vouches for.

With ``github_api=True`` it also serves GitHub's REST API for releases, with the identity's
repository and a job token (``contents: write``) for it, so a workflow's github-release can be
rehearsed too.

The PyPI stand-in's publisher is bound to the identity's environment, as the publisher of a
release job should be. The TestPyPI stand-in's has no environment, which on warehouse means
any environment: the issuer vouches for one fixed job, while a workflow (as `py-release init`
writes it) publishes to TestPyPI from a job in environment `testpypi`, and a publisher with no
environment is what accepts both honestly, with every other claim still checked."""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from py_release.dependencies.declared import ACTION_LOCK
from py_release.index.sandbox_routes import PYPI_VARIABLE, TESTPYPI_VARIABLE, TRUST_CONFIG_VARIABLE
from py_release.index.trusted_publishing import IdTokenSource, github_id_token
from py_release.sandbox.github_api import GitHubApi
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.sigstore import LocalSigstore
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from py_release.sandbox.warehouse.advisories import DEFAULT_SEED, read_seed, with_environment
from py_release.secrets import Secret

# The PyPI stand-in's upload URL under the name workflows used before the TestPyPI stand-in.
INDEX_VARIABLE = "PY_RELEASE_SANDBOX_INDEX"
# Where the action (PyGithub) finds GitHub's REST API; act passes --env values through.
API_VARIABLE = "GITHUB_API_URL"


@dataclass(frozen=True)
class GitHubStandIn:
    """The GitHub REST stand-in and the job token it accepts for the identity's repository."""

    api: GitHubApi
    repository: str
    token: Secret  # contents: write on ``repository``, as a job with that permission gets


def job_token() -> str:
    """A token shaped like a job's GITHUB_TOKEN (``ghs_`` and 36 letters and digits)."""
    alphabet = string.ascii_letters + string.digits
    return "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))


@dataclass(frozen=True)
class Sandbox:
    issuer: GitHubIssuer
    # The PyPI stand-in.
    warehouse: Warehouse
    # None only for a sandbox put together by hand without one (the warehouse then refuses
    # attestations); start_sandbox always starts it.
    sigstore: LocalSigstore | None = None
    # The TestPyPI stand-in; start_sandbox always starts it.
    testpypi: Warehouse | None = None
    # Started only when asked (start_sandbox(..., github_api=True)).
    github: GitHubStandIn | None = None

    def act_env(self) -> dict[str, str]:
        """What act needs: the runner's ID-token variables, the stand-ins the action routes
        PyPI and TestPyPI to (index/sandbox_routes.py), the Sigstore trust configuration
        naming the local Fulcio and Rekor, and GitHub's API when its stand-in runs. The job
        token is a secret for act, in :meth:`act_secrets`, not here."""
        env = {
            **self.issuer.env(),
            PYPI_VARIABLE: self.warehouse.upload_url,
            INDEX_VARIABLE: self.warehouse.upload_url,
        }
        if self.testpypi is not None:
            env[TESTPYPI_VARIABLE] = self.testpypi.upload_url
        if self.sigstore is not None:
            env[TRUST_CONFIG_VARIABLE] = str(self.sigstore.trust_config_path)
        if self.github is not None:
            env[API_VARIABLE] = self.github.api.api_url
        return env

    def act_secrets(self) -> dict[str, Secret]:
        """The secrets act needs (``--secret-file``): the job token the GitHub stand-in
        accepts, as act's GITHUB_TOKEN, which act hands the workflow as ``${{ github.token }}``
        (and ``secrets.GITHUB_TOKEN``)."""
        return {"GITHUB_TOKEN": self.github.token} if self.github is not None else {}

    def id_tokens(self) -> IdTokenSource:
        """ID tokens from the sandbox issuer, fetched by the same client code as on a runner."""

        def fetch(audience: str) -> Secret:
            with _environ_overlay({"GITHUB_ACTIONS": "true", **self.issuer.env()}):
                return github_id_token(audience)

        return fetch


@contextmanager
def _environ_overlay(values: Mapping[str, str]) -> Iterator[None]:
    # The `id` library reads the runner's variables from os.environ; the CLI is single-threaded
    # here, so setting them for the length of one request is safe.
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _publisher(identity: JobIdentity, project: str, environment: str) -> TrustedPublisher:
    return TrustedPublisher(
        project=project,
        repository=identity.repository,
        repository_owner_id=identity.repository_owner_id,
        workflow_file=identity.workflow_file,
        environment=environment,
    )


@contextmanager
def start_sandbox(
    identity: JobIdentity,
    project: str,
    *,
    github_api: bool = False,
    advisories: Path = DEFAULT_SEED,
) -> Iterator[Sandbox]:
    """Start the issuer, the local Sigstore and the PyPI and TestPyPI stand-ins; both trust
    ``identity`` for ``project`` (PyPI's in the identity's environment, TestPyPI's in any) and
    verify attestations against the local Sigstore. With ``github_api``, also GitHub's REST
    API with the identity's repository and a job token that may write its contents.

    The stand-ins' JSON API serves the vulnerability data of the ``advisories`` seed file, and
    knows the packages py-release runs with and its lock pins (``advisories.with_environment``).
    Raises ``SeedError`` for a seed file that cannot be read."""
    known = with_environment(read_seed(advisories), ACTION_LOCK)
    with ExitStack() as stack:
        issuer = stack.enter_context(GitHubIssuer(identity=identity))
        sigstore = stack.enter_context(LocalSigstore(issuer=issuer))
        trusted_root = sigstore.trusted_root
        pypi = stack.enter_context(
            Warehouse(issuer=issuer, trusted_root=trusted_root, advisories=known)
        )
        testpypi = stack.enter_context(
            Warehouse(issuer=issuer, trusted_root=trusted_root, advisories=known)
        )
        pypi.add_publisher(_publisher(identity, project, identity.environment or ""))
        testpypi.add_publisher(_publisher(identity, project, ""))
        github = None
        if github_api:
            api = stack.enter_context(GitHubApi())
            token = job_token()
            api.add_repository(identity.repository)
            api.add_token(token, repositories=[identity.repository], contents="write")
            github = GitHubStandIn(api, identity.repository, Secret(token))
        yield Sandbox(issuer, pypi, sigstore, testpypi, github)
