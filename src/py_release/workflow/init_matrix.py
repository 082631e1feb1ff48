"""``py-release init --matrix``: the release workflow for a compiled project. Wheels are built
per platform by cibuildwheel in a matrix and the sdist once (by the action, ``build: sdist``);
one job checks every file together; the publishing jobs, the same as ``init``'s, publish the
merged artifacts. No project code runs in a job that can mint an upload token.

``compiled_reason`` says why a project needs this layout: a wheel built on one plain runner
carries that runner's platform tag (``linux_x86_64``), which PyPI refuses, and covers one
platform only.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from py_release.workflow.init import (
    PACKAGES_DIR,
    WorkflowSpec,
    publishing_jobs,
    workflow_head,
    yaml_scalar,
)
from py_release.workflow.pins import (
    ACTION,
    CHECKOUT,
    CIBUILDWHEEL,
    DOWNLOAD_ARTIFACT,
    UPLOAD_ARTIFACT,
)

# The runners cibuildwheel's own README builds on: Linux and Windows on x86-64 and ARM, macOS
# on Intel and Apple silicon.
RUNNERS = (
    "ubuntu-latest",
    "ubuntu-24.04-arm",
    "windows-latest",
    "windows-11-arm",
    "macos-15-intel",
    "macos-latest",
)
ARTIFACT_PATTERN = "cibw-*"
_COMPILED_BACKENDS = {
    "scikit_build_core.build": "scikit-build-core",
    "mesonpy": "meson-python",
    "maturin": "maturin",
    "pdm.backend": "",  # compiled only with build hooks: not a sign by itself
}
_SOURCES = ("*.c", "*.cc", "*.cpp", "*.cxx", "*.pyx", "*.rs", "*.f90")
_EXTENSION_CALL = re.compile(r"\b(?:Extension|Pybind11Extension|cythonize)\s*\(")


def compiled_reason(project_dir: Path) -> str | None:
    """Why the project builds platform wheels (a compiling backend, an extension in setup.py,
    compiled sources), or None for a pure-Python project."""
    pyproject = project_dir / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    system = data.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    if isinstance(backend, str) and _COMPILED_BACKENDS.get(backend):
        return f"its build backend is {_COMPILED_BACKENDS[backend]}"
    setup = project_dir / "setup.py"
    try:
        if setup.is_file() and _EXTENSION_CALL.search(setup.read_text(encoding="utf-8")):
            return "setup.py builds extension modules"
    except (OSError, UnicodeDecodeError):
        pass
    if (project_dir / "Cargo.toml").is_file():
        return "it has a Cargo.toml (Rust)"
    for pattern in _SOURCES:
        for source in project_dir.rglob(pattern):
            parts = source.relative_to(project_dir).parts
            if not any(part.startswith(".") or part in ("build", "dist", "venv") for part in parts):
                return f"it has compiled sources ({source.relative_to(project_dir).as_posix()})"
    return None


def render_matrix_workflow(spec: WorkflowSpec) -> str:
    """The release workflow's text for a compiled project."""
    testpypi_job, pypi_job = publishing_jobs(
        spec,
        needs="check",
        download=(f"pattern: {ARTIFACT_PATTERN}", "merge-multiple: true"),
    )
    runners = ", ".join(RUNNERS)
    return f"""\
# Release {spec.project}: written by `py-release init --matrix` (run it again with --force to
# refresh). Every push and pull request builds the wheels on each platform with cibuildwheel
# and the sdist once, and checks every file together, uploading nothing. Pushes to
# {spec.branch} publish those files to TestPyPI and release tags (v*) publish them to PyPI, each
# from its own job and environment with Trusted Publishing: no token is stored.
# TestPyPI keeps every version: each push that changes the files needs a new version
# (setuptools-scm with local_scheme = "no-local-version" gives one).
{workflow_head(spec)}  sdist:
    name: Build and check the sdist
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT.uses}
        with:
          persist-credentials: false
      - name: Build and check the sdist, uploading nothing
        uses: {ACTION.uses}
        with:
          dry-run: true
          build: sdist
          project-dir: {yaml_scalar(spec.project_dir)}
          packages-dir: {PACKAGES_DIR}
      - uses: {UPLOAD_ARTIFACT.uses}
        with:
          name: cibw-sdist
          path: {PACKAGES_DIR}/*.tar.gz
          if-no-files-found: error

  wheels:
    name: Build wheels on ${{{{ matrix.os }}}}
    runs-on: ${{{{ matrix.os }}}}
    permissions:
      contents: read
    strategy:
      fail-fast: false
      matrix:
        os: [{runners}]
    steps:
      - uses: {CHECKOUT.uses}
        with:
          persist-credentials: false
      # cibuildwheel repairs the wheels to manylinux, musllinux, macOS and Windows tags.
      - name: Build the wheels
        uses: {CIBUILDWHEEL.uses}
        with:
          package-dir: {yaml_scalar(spec.project_dir)}
          output-dir: wheelhouse
      - uses: {UPLOAD_ARTIFACT.uses}
        with:
          name: cibw-wheels-${{{{ matrix.os }}}}-${{{{ strategy.job-index }}}}
          path: wheelhouse/*.whl
          if-no-files-found: error

  check:
    name: Check every file together
    needs: [sdist, wheels]
    runs-on: ubuntu-latest
    permissions: {{}}
    steps:
      - uses: {DOWNLOAD_ARTIFACT.uses}
        with:
          pattern: {ARTIFACT_PATTERN}
          merge-multiple: true
          path: {PACKAGES_DIR}/
      - name: Check the release as PyPI will, uploading nothing
        uses: {ACTION.uses}
        with:
          dry-run: true
          build: false
          packages-dir: {PACKAGES_DIR}

{testpypi_job}
{pypi_job}"""
