"""``py-release init``: write a release workflow for the project here, and say what to enter in
PyPI's and TestPyPI's trusted-publisher forms.

The workflow builds and checks once (the action with ``dry-run: true``) and hands the files to
the publishing jobs as an artifact, so what is published is exactly what was checked and no
project code (build backend included) runs in a job that can mint an upload token. Branch
pushes publish to TestPyPI, release tags to PyPI, each in its own job and environment.

``render_workflow`` is pure; reading ``pyproject.toml``, asking git for the remote and writing
the file are separate small functions the CLI calls in turn.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name

from py_release.errors import ReleaseError
from py_release.index.repositories import PYPI_WEB_URL, TESTPYPI_WEB_URL
from py_release.workflow.pins import ACTION, CHECKOUT, DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT

GitHubRelease = Literal["false", "true", "draft"]

WORKFLOW_FILE = "release.yml"
ARTIFACT = "distributions"
PACKAGES_DIR = "dist"
FILL_IN = "<fill in: {}>"
# PEP 508 project names; branch names and paths that need no quoting in YAML or in an
# expression's '...' string.
_NAME = re.compile(r"[A-Z0-9]([A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE)
_PLAIN = re.compile(r"[\w.][\w./-]*")


@dataclass(frozen=True)
class WorkflowSpec:
    project: str  # the name in pyproject.toml, as written there
    project_dir: str = "."  # relative to the repository root, with forward slashes
    branch: str = "main"  # pushes to it publish to TestPyPI
    github_release: GitHubRelease = "false"

    @property
    def normalized(self) -> str:
        return canonicalize_name(self.project)


@dataclass(frozen=True)
class GitHubRepository:
    owner: str
    name: str


@dataclass(frozen=True)
class Index:
    name: str  # the action's `repository:` for it, and its job's id
    title: str
    host: str  # https://pypi.org or https://test.pypi.org
    environment: str


PYPI = Index("pypi", "PyPI", PYPI_WEB_URL.rstrip("/"), "pypi")
TESTPYPI = Index("testpypi", "TestPyPI", TESTPYPI_WEB_URL.rstrip("/"), "testpypi")


# --- reading the project --------------------------------------------------------------------


def project_name(project_dir: Path) -> str:
    """``[project] name`` of ``project_dir/pyproject.toml``; raises ``ReleaseError`` when the
    file is missing or unreadable, or the name is missing or dynamic."""
    path = project_dir / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(
            f"no pyproject.toml in {project_dir}",
            "run py-release init in the folder of your project's pyproject.toml, or give "
            "--project-dir DIR",
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReleaseError(
            f"cannot read {path}: {error}", f"fix {path} so that it is valid TOML"
        ) from None
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if isinstance(name, str) and name.strip():
        return name.strip()
    dynamic = project.get("dynamic", []) if isinstance(project, dict) else []
    why = "lists name as dynamic" if "name" in dynamic else "has no [project] name"
    raise ReleaseError(
        f"{path} {why}",
        'write the project\'s name in pyproject.toml: [project] name = "your-project" (PyPI '
        "and the trusted-publisher form need it; PEP 621 does not allow a dynamic name)",
    )


def static_version(project_dir: Path) -> str | None:
    """``[project] version`` when it is written in pyproject.toml (not dynamic), else None.
    Call after :func:`project_name`, which reports an unreadable file."""
    data = tomllib.loads((project_dir / "pyproject.toml").read_text(encoding="utf-8"))
    project = data.get("project")
    version = project.get("version") if isinstance(project, dict) else None
    return version if isinstance(version, str) else None


def version_note(version: str, branch: str) -> list[str]:
    """Why a fixed version and TestPyPI on every push do not mix, and the way out."""
    return [
        f"note: pyproject.toml fixes version = {version!r}, so every push to {branch} offers",
        "  TestPyPI that same version; TestPyPI keeps a version's files forever, so the first",
        "  push's files stay and a later build of other bytes is refused. Give every push its",
        "  own version (setuptools-scm with local_scheme = 'no-local-version', or hatch-vcs),",
        "  or pass --branch for a branch you push only to try a release.",
        "",
    ]


_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|git@|git://)"
    r"(?P<host>[^/:]+)(?::\d+)?[/:](?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$"
)


def parse_remote(url: str) -> GitHubRepository | None:
    """Owner and repository of a github.com remote URL (https or ssh form), else None."""
    match = _REMOTE.match(url.strip())
    if match is None or match["host"].lower() not in ("github.com", "www.github.com"):
        return None
    return GitHubRepository(match["owner"], match["name"])


def origin_url(root: Path) -> str | None:
    """``git remote get-url origin`` in ``root``; None without git, a repository or a remote."""
    try:
        result = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def repository_root(start: Path) -> Path:
    """The git work tree holding ``start``, or ``start`` itself outside one."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return start
    top = result.stdout.strip()
    return Path(top).resolve() if result.returncode == 0 and top else start


# --- the workflow -------------------------------------------------------------------------------


def publishing_jobs(
    spec: WorkflowSpec, *, needs: str = "build", download: tuple[str, ...] = (f"name: {ARTIFACT}",)
) -> tuple[str, str]:
    """The TestPyPI and PyPI jobs: branch pushes to TestPyPI, release tags to PyPI."""
    trusted_publishing = "id-token: write # Trusted Publishing and PEP 740 attestations"
    pypi_permissions = [trusted_publishing]
    pypi_inputs: list[str] = []
    if spec.github_release != "false":
        # The GitHub Release is made by the PyPI job itself, right after the upload: the
        # attestations are signed in that job, and the action attaches them beside the files.
        # A separate job would need them carried over in a second artifact and a second tool to
        # upload them, for no smaller token: this job checks out nothing and builds nothing, so
        # no project code runs beside the id-token or the contents: write token.
        pypi_permissions.append("contents: write # the GitHub Release for the tag")
        pypi_inputs.append(f"github-release: {spec.github_release}")
    testpypi_job = publishing_job(
        spec,
        TESTPYPI,
        condition=f"github.event_name == 'push' && github.ref == 'refs/heads/{spec.branch}'",
        permissions=[trusted_publishing],
        inputs=["skip-existing: true"],
        needs=needs,
        download=download,
    )
    pypi_job = publishing_job(
        spec,
        PYPI,
        condition="github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')",
        permissions=pypi_permissions,
        inputs=pypi_inputs,
        needs=needs,
        download=download,
    )
    return testpypi_job, pypi_job


def workflow_head(spec: WorkflowSpec) -> str:
    """What every workflow ``init`` writes has after its opening comment, up to its jobs."""
    note = (
        "# The PyPI job also creates the GitHub Release for the tag, with the files and their\n"
        "# attestations.\n"
        if spec.github_release != "false"
        else ""
    )
    return f"""\
{note}name: release

on:
  push:
    branches: [{spec.branch}]
    tags: ["v*"]
  pull_request:

permissions: {{}}

# One run per ref at a time; a run is never cancelled, so no upload stops half-way.
concurrency:
  group: release-${{{{ github.ref }}}}
  cancel-in-progress: false

jobs:
"""


def render_workflow(spec: WorkflowSpec) -> str:
    """The release workflow's text for ``spec``."""
    testpypi_job, pypi_job = publishing_jobs(spec)
    return f"""\
# Release {spec.project}: written by `py-release init` (run it again with --force to refresh).
# Every push and pull request builds and checks the distributions once, uploading nothing.
# Pushes to {spec.branch} publish those files to TestPyPI and release tags (v*) publish them to
# PyPI, each from its own job and environment with Trusted Publishing: no token is stored.
# TestPyPI keeps every version: each push that changes the files needs a new version
# (setuptools-scm with local_scheme = "no-local-version" gives one).
{workflow_head(spec)}  build:
    name: Build and check
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT.uses}
        with:
          persist-credentials: false
      - name: Build and check, uploading nothing
        uses: {ACTION.uses}
        with:
          dry-run: true
          project-dir: {yaml_scalar(spec.project_dir)}
          packages-dir: {PACKAGES_DIR}
      - name: Keep the checked files for the publishing jobs
        uses: {UPLOAD_ARTIFACT.uses}
        with:
          name: {ARTIFACT}
          path: {PACKAGES_DIR}/
          if-no-files-found: error

{testpypi_job}
{pypi_job}"""


def publishing_job(
    spec: WorkflowSpec,
    index: Index,
    *,
    condition: str,
    permissions: list[str],
    inputs: list[str],
    needs: str = "build",
    download: tuple[str, ...] = (f"name: {ARTIFACT}",),
) -> str:
    """The job that uploads the checked files from the artifact to ``index`` (when
    ``condition``), in the index's environment with ``permissions``; ``inputs`` are the action's
    inputs beyond those every publishing job gives; ``download`` the download step's inputs
    beyond its path."""
    granted = "".join(f"      {permission}\n" for permission in permissions)
    given = "".join(f"          {line}\n" for line in inputs)
    fetched = "".join(f"          {line}\n" for line in download)
    return f"""\
  {index.name}:
    name: Publish to {index.title}
    needs: {needs}
    if: {condition}
    runs-on: ubuntu-latest
    environment:
      name: {index.environment}
      url: {index.host}/project/{spec.normalized}/
    permissions:
{granted}    steps:
      - uses: {DOWNLOAD_ARTIFACT.uses}
        with:
{fetched}          path: {PACKAGES_DIR}/
      - name: Publish to {index.title}
        uses: {ACTION.uses}
        with:
          repository: {index.name}
          build: false
          packages-dir: {PACKAGES_DIR}
{given}"""


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when that is safe, else double-quoted."""
    return value if _PLAIN.fullmatch(value) else json.dumps(value)


def write_workflow(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path``; raises ``ReleaseError`` when it exists and not ``force``."""
    if path.exists() and not force:
        raise ReleaseError(
            f"{path} already exists",
            "pass --force to replace it (py-release doctor audits the one you have)",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- what to enter on the indexes -----------------------------------------------------------


def publisher_instructions(
    spec: WorkflowSpec, repository: GitHubRepository | None, *, remote: str | None
) -> list[str]:
    """The lines telling what to enter in each index's trusted-publisher form, with links."""
    owner = repository.owner if repository else FILL_IN.format("your GitHub user or organisation")
    name = repository.name if repository else FILL_IN.format("the repository's name")
    lines: list[str] = []
    if repository is None:
        found = f"origin is {remote}, not a github.com repository" if remote else "no origin"
        lines += [
            f"note: {found}, so the owner and repository below are placeholders: fill them in",
            "",
        ]
    lines.append("Add a trusted publisher on each index (GitHub tab of the form):")
    for index in (PYPI, TESTPYPI):
        lines += [
            "",
            f"{index.title}:",
            f"  new project (pending publisher): {index.host}/manage/account/publishing/",
            f"  existing project:                "
            f"{index.host}/manage/project/{spec.normalized}/settings/publishing/",
            f"  PyPI Project Name: {spec.project}",
            f"  Owner:             {owner}",
            f"  Repository name:   {name}",
            f"  Workflow name:     {WORKFLOW_FILE}",
            f"  Environment name:  {index.environment}",
        ]
    lines += [
        "",
        "Then create the environments 'pypi' and 'testpypi' in the repository's Settings -> "
        "Environments;",
        "give 'pypi' required reviewers and limit it to tags v*.",
    ]
    if spec.github_release != "false":
        lines.append("The PyPI job has contents: write to create the GitHub Release for each tag.")
    return lines


# --- the command --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    path: Path  # the workflow written
    instructions: list[str]


def init_workflow(
    project_dir: Path,
    *,
    branch: str,
    github_release: GitHubRelease,
    force: bool,
    matrix: bool | None = None,
) -> InitResult:
    """Write the release workflow for the project in ``project_dir`` into its repository's
    ``.github/workflows/``; raises ``ReleaseError`` for a project without a usable name, a
    branch name that cannot be written as is, or an existing file without ``force``."""
    if not _PLAIN.fullmatch(branch) or branch.startswith("."):
        raise ReleaseError(
            f"branch {branch!r} cannot be used as written",
            "give --branch a plain branch name (letters, digits, '_', '-', '.', '/'), e.g. main",
        )
    project_dir = project_dir.resolve()
    name = project_name(project_dir)
    if not _NAME.fullmatch(name):
        raise ReleaseError(
            f"project name {name!r} in {project_dir / 'pyproject.toml'} is not a valid name",
            "a project name has letters, digits, '.', '_' and '-' and starts and ends with a "
            "letter or digit (PEP 508)",
        )
    root = repository_root(project_dir)
    relative = project_dir.relative_to(root).as_posix()
    spec = WorkflowSpec(name, relative, branch, github_release)
    path = root / ".github" / "workflows" / WORKFLOW_FILE
    # Imported here: init_matrix builds on this module.
    from py_release.workflow.init_matrix import compiled_reason, render_matrix_workflow

    compiled = compiled_reason(project_dir)
    layout: list[str] = []
    if matrix is None and compiled:
        matrix = True
        layout = [
            f"note: the project is compiled ({compiled}), so the workflow builds its wheels",
            "  with cibuildwheel on each platform (--no-matrix: one build on ubuntu-latest,",
            "  whose linux_* wheel PyPI refuses).",
            "",
        ]
    elif matrix is False and compiled:
        layout = [
            f"warning: the project is compiled ({compiled}): a wheel built on one runner is",
            "  tagged for it (linux_x86_64), which PyPI refuses; --matrix builds every platform.",
            "",
        ]
    text = render_matrix_workflow(spec) if matrix else render_workflow(spec)
    write_workflow(path, text, force=force)
    remote = origin_url(root)
    repository = parse_remote(remote) if remote else None
    instructions = publisher_instructions(spec, repository, remote=remote)
    version = static_version(project_dir)
    if version is not None:
        instructions = [*version_note(version, branch), *instructions]
    return InitResult(path, [*layout, *instructions])
