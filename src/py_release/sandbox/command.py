"""``py-release sandbox``: start the stand-ins and tell the user how to point act at them."""

from __future__ import annotations

import signal
import threading
import tomllib
from pathlib import Path

from py_release.errors import ReleaseError
from py_release.reporter import Reporter
from py_release.sandbox.identity import JobIdentity
from py_release.sandbox.session import start_sandbox


def run_sandbox(
    *,
    identity: JobIdentity,
    project: str,
    env_file: Path | None,
    reporter: Reporter,
    stop: threading.Event | None = None,
) -> int:
    """Serve until interrupted (or ``stop`` is set); print the lines act needs."""
    stop = stop or threading.Event()
    with start_sandbox(identity, project) as sandbox:
        env = sandbox.act_env()
        testpypi = sandbox.testpypi
        assert testpypi is not None  # start_sandbox starts both stand-ins
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
            "",
            "The workflow runs unchanged, with no password: the action sends what would go to "
            "PyPI or TestPyPI (repository pypi, testpypi or auto, or their upload URL) to the "
            "stand-ins, through Trusted Publishing with PEP 740 attestations signed by the "
            "local Sigstore, as on GitHub. The variables are refused on GitHub's own runners.",
        ]
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


def project_name_from(pyproject: Path) -> str:
    """``[project].name`` of a pyproject.toml, for the publisher the sandbox registers."""
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        name = None
    if not isinstance(name, str) or not name:
        raise ReleaseError(
            f"cannot read the project name from {pyproject}",
            "run py-release sandbox in your project's folder, or pass --project NAME",
        )
    return name
