"""The release sandbox as one unit: a GitHub ID-token issuer, a local Sigstore that certifies
the issuer's jobs, and a warehouse that trusts both, with a trusted publisher registered for
the job the issuer vouches for."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from py_release.index.trusted_publishing import IdTokenSource, github_id_token
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.issuer import GitHubIssuer
from py_release.sandbox.sigstore import LocalSigstore
from py_release.sandbox.warehouse import TrustedPublisher, Warehouse
from py_release.secrets import Secret


@dataclass(frozen=True)
class Sandbox:
    issuer: GitHubIssuer
    warehouse: Warehouse
    # None only for a sandbox put together by hand without one (the warehouse then refuses
    # attestations); start_sandbox always starts it.
    sigstore: LocalSigstore | None = None

    def act_env(self) -> dict[str, str]:
        """What act needs: the runner's ID-token variables, where the index is, and the
        Sigstore trust configuration naming the local Fulcio and Rekor."""
        env = {**self.issuer.env(), "PY_RELEASE_SANDBOX_INDEX": self.warehouse.upload_url}
        if self.sigstore is not None:
            env["PY_RELEASE_SANDBOX_TRUST_CONFIG"] = str(self.sigstore.trust_config_path)
        return env

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


@contextmanager
def start_sandbox(identity: JobIdentity, project: str) -> Iterator[Sandbox]:
    """Start the issuer, the local Sigstore and the warehouse; the warehouse trusts
    ``identity`` for ``project`` and verifies attestations against the local Sigstore."""
    with ExitStack() as stack:
        issuer = stack.enter_context(GitHubIssuer(identity=identity))
        sigstore = stack.enter_context(LocalSigstore(issuer=issuer))
        warehouse = stack.enter_context(
            Warehouse(issuer=issuer, trusted_root=sigstore.trusted_root)
        )
        warehouse.add_publisher(
            TrustedPublisher(
                project=project,
                repository=identity.repository,
                repository_owner_id=identity.repository_owner_id,
                workflow_file=identity.workflow_file,
                environment=identity.environment or "",
            )
        )
        yield Sandbox(issuer, warehouse, sigstore)
