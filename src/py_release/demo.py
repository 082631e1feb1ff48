"""``py-release demo``: a real release of the sample project to a pypiserver on loopback.

A dry run first, then the release, then the package is installed back from the index into a
fresh virtual environment and run. The same ``Pipeline`` as ``publish`` does the work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import requests

from py_release.config import load_config
from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.release import Pipeline
from py_release.reporter import Reporter

SAMPLE = Path("examples") / "sample-project"


def find_sample_project() -> Path:
    """The sample project beside the current folder or beside this package's checkout."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base / SAMPLE
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise ReleaseError(
        "cannot find examples/sample-project",
        "run the demo from a checkout of py-release, or pass --project PATH",
    )


def _release(
    project: Path, packages: Path, server_url: str, user: str, password: str,
    *, dry_run: bool, reporter: Reporter,
) -> None:  # fmt: skip
    environ = {"INPUT_PASSWORD": password}
    flags = {
        "user": user,
        "repository-url": server_url,
        "project-dir": str(project),
        "packages-dir": str(packages),
        "dry-run": "true" if dry_run else "false",
        "attestations": "false",
    }
    config = load_config(environ, flags)
    with requests.Session() as session:
        Pipeline(config=config, context=GitHubContext(), reporter=reporter, session=session).run()


def _find_uv() -> str | None:
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _install_and_run(simple_url: str, scratch: Path, reporter: Reporter) -> str:
    """Install the sample from the index alone into a new venv and run its command."""
    env_dir = scratch / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    reporter.info(f"installing py-release-sample from {simple_url}")
    uv = _find_uv()
    if uv:
        command = [uv, "pip", "install", "-q", "--python", str(python), "--no-cache"]
    else:
        subprocess.run([str(python), "-m", "ensurepip", "-q"], check=True)
        command = [str(python), "-m", "pip", "install", "-q", "--no-cache-dir",
                   "--disable-pip-version-check", "--isolated"]  # fmt: skip
    subprocess.run([*command, "--index-url", simple_url, "py-release-sample"], check=True)
    result = subprocess.run(
        [str(bin_dir / "py-release-sample")], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def run_demo(*, project: Path | None, keep: bool, reporter: Reporter) -> int:
    from py_release.sandbox.pypiserver import PypiServer

    source = project or find_sample_project()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="py-release-demo-") as scratch_name:
        scratch = Path(scratch_name)
        work = scratch / "project"
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
        packages = scratch / "dist"
        with PypiServer(root=scratch / "index") as index:
            reporter.mask(index.password)
            reporter.info(f"pypiserver is up at {index.url} (user {index.user})")
            with reporter.group("Dry run"):
                _release(
                    work, packages, index.url, index.user, index.password.reveal(),
                    dry_run=True, reporter=reporter,
                )  # fmt: skip
            with reporter.group("Release"):
                _release(
                    work, packages, index.url, index.user, index.password.reveal(),
                    dry_run=False, reporter=reporter,
                )  # fmt: skip
            with reporter.group("Install back from the index"):
                greeting = _install_and_run(index.simple_url, scratch, reporter)
            reporter.info(greeting)
            if keep:
                kept = Path.cwd() / "demo-index"
                shutil.copytree(index.packages, kept, dirs_exist_ok=True)
                reporter.info(f"the index's files are kept in {kept}")
    reporter.info(f"demo finished in {time.monotonic() - started:.1f} s")
    return 0
