"""``py-release demo``: a real release of the sample project through the release sandbox.

The sandbox's GitHub ID-token issuer and warehouse run on loopback. The demo makes a dry run,
then releases with Trusted Publishing (the job's ID token exchanged for a short-lived upload
token: no password anywhere), then installs the package back from the index into a fresh
virtual environment and runs it. The same pipeline as ``publish`` does the work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
from pathlib import Path

import requests

from py_release.config import load_config
from py_release.environment import release_environment
from py_release.errors import ReleaseError
from py_release.github.context import GitHubContext
from py_release.index.sandbox_routes import PYPI_VARIABLE
from py_release.release import run_release
from py_release.reporter import Reporter
from py_release.sandbox.session import Sandbox, start_sandbox

SAMPLE = Path("examples") / "sample-project"
DEMO_REPOSITORY = "octo-org/sample-project"


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
    project: Path, packages: Path, sandbox: Sandbox, context: GitHubContext,
    *, dry_run: bool, reporter: Reporter,
) -> None:  # fmt: skip
    assert sandbox.sigstore is not None
    flags = {
        "repository-url": sandbox.warehouse.upload_url,
        "project-dir": str(project),
        "packages-dir": str(packages),
        "dry-run": "true" if dry_run else "false",
        "attestations": "true",
        "sigstore-trust-config": str(sandbox.sigstore.trust_config_path),
    }
    id_tokens = sandbox.id_tokens()
    # As a rehearsal under act has it: PyPI is the stand-in, its JSON API the audit's source.
    config = load_config({PYPI_VARIABLE: sandbox.warehouse.upload_url}, flags)
    with requests.Session() as session:
        run_release(
            release_environment(
                config=config,
                context=context,
                reporter=reporter,
                session=session,
                id_tokens=id_tokens,
            )
        )


def _project_name_and_version(project: Path) -> tuple[str, str]:
    table = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(table["name"]), str(table.get("version", "0"))


def _find_uv() -> str | None:
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _install_and_run(simple_url: str, name: str, scratch: Path, reporter: Reporter) -> str:
    """Install the sample from the index alone into a new venv and run its command."""
    env_dir = scratch / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    reporter.info(f"installing {name} from {simple_url}")
    uv = _find_uv()
    if uv:
        command = [uv, "pip", "install", "-q", "--python", str(python), "--no-cache"]
    else:
        subprocess.run([str(python), "-m", "ensurepip", "-q"], check=True)
        command = [str(python), "-m", "pip", "install", "-q", "--no-cache-dir",
                   "--disable-pip-version-check", "--isolated"]  # fmt: skip
    subprocess.run([*command, "--index-url", simple_url, name], check=True)
    script = bin_dir / name
    # The sample has a console script named after it; any other project is shown by version.
    run = (
        [str(script)]
        if script.exists()
        else [str(python), "-c", f"import importlib.metadata as m; print('{name}', "
              f"m.version('{name}'), 'installed from the index')"]
    )  # fmt: skip
    result = subprocess.run(run, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def run_demo(*, project: Path | None, keep: bool, reporter: Reporter) -> int:
    from py_release.sandbox.identity import JobIdentity

    source = project or find_sample_project()
    name, version = _project_name_and_version(source)
    tag = f"refs/tags/v{version}"
    identity = JobIdentity(repository=DEMO_REPOSITORY, ref=tag, environment="pypi")
    # What the runner would tell the action about this job: a push of the release tag, with
    # `permissions: id-token: write`.
    context = GitHubContext(
        event_name="push",
        ref=tag,
        repository=DEMO_REPOSITORY,
        workflow_ref=f"{DEMO_REPOSITORY}/.github/workflows/release.yml@{tag}",
        id_token_available=True,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="py-release-demo-") as scratch_name:
        scratch = Path(scratch_name)
        work = scratch / "project"
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
        packages = scratch / "dist"
        with start_sandbox(identity, name) as sandbox:
            index = sandbox.warehouse
            fulcio = sandbox.sigstore.fulcio_url if sandbox.sigstore else "-"
            reporter.info(
                f"release sandbox up: ID-token issuer {sandbox.issuer.url}, index "
                f"{index.upload_url}, Sigstore {fulcio}; "
                f"trusted publisher for {name}: {identity.repository}, "
                f"workflow {identity.workflow_file}, environment {identity.environment}"
            )
            with reporter.group("Dry run"):
                _release(work, packages, sandbox, context, dry_run=True, reporter=reporter)
            with reporter.group("Release: Trusted Publishing (no password), PEP 740 signed"):
                _release(work, packages, sandbox, context, dry_run=False, reporter=reporter)
            with reporter.group("Install back from the index"):
                greeting = _install_and_run(index.simple_url, name, scratch, reporter)
            reporter.info(greeting)
            if keep:
                kept = Path.cwd() / "demo-index"
                kept.mkdir(exist_ok=True)
                for dist in packages.iterdir():
                    shutil.copy2(dist, kept / dist.name)
                reporter.info(f"the released files are kept in {kept}")
    reporter.info(f"demo finished in {time.monotonic() - started:.1f} s")
    return 0
