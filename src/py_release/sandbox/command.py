"""``py-release sandbox``: start the stand-ins and tell the user how to point act at them."""

from __future__ import annotations

import json
import signal
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from py_release.errors import ReleaseError
from py_release.reporter import Reporter
from py_release.sandbox.act_setup import ActSetup, act_command, act_setup
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import start_sandbox
from py_release.sandbox.warehouse.advisories import DEFAULT_SEED, SeedError
from py_release.secrets import Secret
from py_release.workflow.doctor import read_workflow
from py_release.workflow.manual import project_from_pyproject


def write_secret_file(path: Path, values: dict[str, Secret]) -> None:
    """act's --secret-file (KEY=VALUE lines), readable by its owner only."""
    path.touch(mode=0o600)
    path.chmod(0o600)  # before the secrets go in: an existing file keeps its old mode on touch
    path.write_text("".join(f"{key}={value.reveal()}\n" for key, value in values.items()))


def run_sandbox(
    *,
    identity: JobIdentity,
    project: str,
    env_file: Path | None,
    reporter: Reporter,
    secret_file: Path | None = None,
    stop: threading.Event | None = None,
    workflow_file: Path | None = None,
    advisories: Path = DEFAULT_SEED,
) -> int:
    """Serve until interrupted (or ``stop`` is set); print the lines act needs.

    The job token for the GitHub API stand-in is never printed: it goes into ``secret_file``
    (by default one in a private temporary folder, removed when the sandbox stops), which the
    user hands to act with --secret-file."""
    stop = stop or threading.Event()
    with ExitStack() as stack:
        try:
            sandbox = stack.enter_context(
                start_sandbox(identity, project, github_api=True, advisories=advisories)
            )
        except SeedError as error:
            raise ReleaseError(
                f"the advisories seed file cannot be used: {error}",
                "give --advisories a JSON file of the shape py_release/sandbox/warehouse/"
                "advisories.json has, or leave it out for that default",
            ) from None
        github = sandbox.github
        assert github is not None  # asked for above
        if secret_file is None:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="py-release-sandbox-"))
            secret_file = Path(folder) / "act.secrets"
        env = sandbox.act_env()
        setup = act_setup(read_workflow(workflow_file)) if workflow_file else None
        if setup is not None and setup.local_repositories:
            # The stand-ins copy the repository, and keep artifacts for the run's jobs, here.
            artifacts = stack.enter_context(tempfile.TemporaryDirectory(prefix="py-release-act-"))
            env["STANDIN_CHECKOUT_FROM"] = str(Path.cwd())
            env["STANDIN_ARTIFACTS"] = artifacts
        testpypi = sandbox.testpypi
        assert testpypi is not None  # start_sandbox starts both stand-ins
        # The secrets first: a caller that waits for the env file finds both written.
        write_secret_file(secret_file, sandbox.act_secrets())
        if env_file is not None:
            env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        lines = [
            "The release sandbox is running on 127.0.0.1 (Ctrl-C stops it).",
            f"  GitHub ID-token issuer  {sandbox.issuer.url}",
            f"  PyPI stand-in           upload {sandbox.warehouse.upload_url}",
            f"                          simple {sandbox.warehouse.simple_url}",
            f"  TestPyPI stand-in       upload {testpypi.upload_url}",
            f"                          simple {testpypi.simple_url}",
            f"  Sigstore (Fulcio/Rekor) "
            f"{sandbox.sigstore.fulcio_url if sandbox.sigstore else '(not started)'}",
            f"  GitHub REST API         {github.api.api_url} ({github.repository}; the job "
            "token may write its contents)",
            f"  trusted publisher       {project}: {identity.repository} "
            f"(owner id {identity.repository_owner_id}), workflow {identity.workflow_file}, "
            f"environment {identity.environment or '(any)'} on PyPI, any environment on "
            "TestPyPI",
            "",
            "Run your workflow under act with:",
            *(f"  --env {key}={value}" for key, value in env.items()),
        ]
        if env_file is not None:
            lines.append(f"(or: --env-file {env_file})")
        lines += [
            f"  --secret-file {secret_file}",
            "(the job token as act's GITHUB_TOKEN, which is ${{ github.token }}; not printed)",
            "",
            "The workflow runs unchanged, with no password: the action sends what would go to "
            "PyPI or TestPyPI (repository pypi, testpypi or auto, or their upload URL) to the "
            "stand-ins, through Trusted Publishing with PEP 740 attestations signed by the "
            "local Sigstore, as on GitHub, and makes a github-release on the GitHub API "
            "stand-in. The variables are refused on GitHub's own runners.",
        ]
        lines += _act_lines(setup, workflow_file, env_file, secret_file, identity)
        reporter.info("\n".join(lines))
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        reporter.info("sandbox stopped")
    return 0


def _act_lines(
    setup: ActSetup | None,
    workflow_file: Path | None,
    env_file: Path | None,
    secret_file: Path,
    identity: JobIdentity,
) -> list[str]:
    """How to run the workflow: the act command with the stand-ins of the actions it uses, and
    the CLI's equivalent."""
    lines = [""]
    if setup is not None and workflow_file is not None:
        lines.append(
            f"{workflow_file} uses actions act would fetch from GitHub; these stand-ins take "
            "their place (checkout copies this folder, artifacts stay in a temporary folder):"
        )
        lines += [f"  --local-repository {local}" for local in setup.local_repositories]
        if setup.fetched:
            lines.append(
                "act fetches the others from GitHub (offline, give each a --local-repository "
                "ACTION@REF=FOLDER of a clone): " + ", ".join(setup.fetched)
            )
        event = json.dumps({"ref": identity.ref})
        lines += [
            "",
            f"With an event file (echo '{event}' > event.json), run:",
            "  " + act_command("event.json", env_file, secret_file, setup),
        ]
    if env_file is not None:
        lines += [
            "",
            "Or the CLI, as the action runs it (GITHUB_ACTIONS and ACT as act sets them; the "
            "ID token comes from the issuer above):",
            f"  env $(cat {env_file}) GITHUB_ACTIONS=true ACT=true GITHUB_REF={identity.ref} "
            "py-release publish --repository pypi",
        ]
    return lines


def project_name_from(pyproject: Path) -> str:
    """``[project].name`` of a pyproject.toml, for the publisher the sandbox registers."""
    name = project_from_pyproject(pyproject)
    if name is None:
        raise ReleaseError(
            f"cannot read the project name from {pyproject}",
            "run py-release sandbox in your project's folder, or pass --project NAME",
        )
    return name
