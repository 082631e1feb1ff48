"""The build stage: build the sdist, then the wheel from that sdist, each in a fresh isolated
environment; or take the ready files in packages-dir.

Building the wheel from the sdist (not from the checkout) makes a broken sdist fail here,
before a user installs it. ``build``'s public API does the work; ``uv`` installs the build
requirements when it is available, as ``python -m build --installer uv`` would.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from build import BuildBackendException, BuildException, ProjectBuilder
from build.env import DefaultIsolatedEnv, Installer

from py_release.distributions.build_environ import without_credentials
from py_release.distributions.files import DistFile, DistKind, FolderContents, scan_packages_dir
from py_release.distributions.hook_runner import (
    TAIL_LINES,
    HookRunner,
    hooks_may_share_an_interpreter,
)
from py_release.distributions.integrity import check_sdist
from py_release.errors import BuildError, CheckFailed, NoDistributionsError, Problem

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan

Log = Callable[[str], None]
BuildKind = DistKind


def pick_installer() -> Installer:
    """uv when it can be found (the action's lock ships it), pip otherwise."""
    try:
        import uv

        uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return "uv" if shutil.which("uv") else "pip"
    return "uv"


class _SharedEnv:
    """The isolated environment both steps build in, and what is installed in it: the wheel
    from the sdist asks for the same build requirements, and installing them a second time
    is another resolver run for nothing."""

    def __init__(self, env: DefaultIsolatedEnv) -> None:
        self.env = env
        self._installed: set[str] = set()

    def install(self, requirements: Collection[str]) -> bool:
        """Install what is not installed yet; True when something was."""
        missing = set(requirements) - self._installed
        if missing:
            # The installer sees what is already there: it keeps what satisfies the new
            # requirements and changes what does not.
            self.env.install(missing)
            self._installed |= missing
        return bool(missing)


def _build_one(
    shared: _SharedEnv, source_dir: Path, kind: BuildKind, out_dir: Path, runner: HookRunner
) -> Path:
    builder = ProjectBuilder.from_isolated_env(shared.env, source_dir, runner=runner)
    shared.install(builder.build_system_requires)
    with runner.step(shared=hooks_may_share_an_interpreter(_build_backend(source_dir))):
        if shared.install(builder.get_requires_for_build(kind)):
            runner.restart()
        return Path(builder.build(kind, out_dir))


def _build_backend(source_dir: Path) -> str:
    """The backend pyproject.toml names; PEP 517's fallback (setuptools) without one. A
    pyproject.toml that cannot be read names none here: ``build`` reports it first."""
    try:
        with (source_dir / "pyproject.toml").open("rb") as file:
            table = tomllib.load(file).get("build-system", {})
    except (OSError, tomllib.TOMLDecodeError):
        return _FALLBACK_BACKEND
    backend = table.get("build-backend") if isinstance(table, dict) else None
    return backend if isinstance(backend, str) else _FALLBACK_BACKEND


_FALLBACK_BACKEND = "setuptools.build_meta:__legacy__"


def _failure_detail(exc: BaseException) -> str:
    cause = getattr(exc, "exception", None) or exc.__cause__ or exc
    if isinstance(cause, subprocess.CalledProcessError):
        output = cause.output or b""
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
        tail = "\n".join(text.strip().splitlines()[-TAIL_LINES:])
        return f"{cause}\n{tail}" if tail else str(cause)
    return str(cause)


def build_distributions(
    project_dir: Path,
    out_dir: Path,
    *,
    verbose: bool,
    log: Log,
    kinds: Sequence[BuildKind] = ("sdist", "wheel"),
) -> tuple[DistFile, ...]:
    """Build ``project_dir`` into ``out_dir``: the sdist, then the wheel from that sdist; or
    only one of them (a wheel alone is built from the checkout).

    Raises ``BuildError`` naming the failed step, with the backend's last lines.
    """
    if not (project_dir / "pyproject.toml").is_file() and not (project_dir / "setup.py").is_file():
        raise BuildError(
            f"project-dir '{project_dir}' holds no pyproject.toml (or setup.py)",
            "set project-dir to the folder of your pyproject.toml, or put ready distributions "
            "in packages-dir and set build to false",
        )
    installer = pick_installer()
    runner = HookRunner(log if verbose else None)
    out_dir.mkdir(parents=True, exist_ok=True)
    step = "build environment"
    built: list[DistFile] = []
    # One isolated environment serves both steps: the wheel is built from the sdist of the
    # same project, whose build requirements it already holds; a second environment would
    # only install them again (about half of a small project's build time).
    with (
        without_credentials() as withheld,
        tempfile.TemporaryDirectory(prefix="py-release-build-") as scratch,
        contextlib.ExitStack() as stack,
    ):
        if withheld:
            log(f"the build runs without {', '.join(withheld)} in its environment")
        try:
            env = _SharedEnv(stack.enter_context(DefaultIsolatedEnv(installer=installer)))
            stack.callback(runner.close)
            source = project_dir
            if "sdist" in kinds:
                step = "sdist"
                log(f"building the sdist of {project_dir} (installer: {installer})")
                sdist = _build_one(env, project_dir, "sdist", out_dir, runner)
                problems = check_sdist(sdist)
                if problems:
                    raise BuildError(
                        "the built sdist is unsafe: " + "; ".join(str(p) for p in problems),
                        problems[0].hint,
                    )
                built.append(DistFile(sdist))
                source = _extract(sdist, Path(scratch))
            if "wheel" in kinds:
                step = "wheel (from the sdist)" if "sdist" in kinds else "wheel"
                log(f"building the wheel from {source.name if 'sdist' in kinds else project_dir}")
                built.append(DistFile(_build_one(env, source, "wheel", out_dir, runner)))
        except (BuildException, BuildBackendException, subprocess.CalledProcessError) as exc:
            raise BuildError(
                f"building the {step} failed: {_failure_detail(exc)}",
                "run `python -m build` in project-dir to reproduce; if the wheel fails but the "
                "sdist built, the sdist is missing files the build needs (check your backend's "
                "sdist include settings)",
            ) from exc
    return tuple(built)


def _extract(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist, "r:gz") as archive:
        top = archive.getnames()[0].split("/", 1)[0]
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:
            # Python 3.11.0-3.11.3 has no extraction filters (they came in 3.11.4). The sdist
            # passed check_sdist just before: no absolute or ".." paths, no links out of it,
            # no devices, which is what the "data" filter refuses.
            archive.extractall(into)  # noqa: S202
    return into / top


def build_stage(plan: Plan, env: Environment) -> Plan:
    """The plan with its distributions: built now, or the ready files of packages-dir."""
    folder = env.config.packages_dir
    if not plan.decision.build:
        contents = scan_packages_dir(folder)
        _refuse_impostors(contents.not_files)
        _refuse_conflicts(contents.conflicts)
        _refuse_unsupported(contents.unsupported)
        for entry in contents.ignored:
            env.reporter.warning(
                f"{entry} is not a distribution and will not be uploaded", title="packages-dir"
            )
        if not contents.dists:
            raise NoDistributionsError(
                f"packages-dir '{folder}' holds no distributions (.whl, .tar.gz), in it or in "
                "its sub-folders",
                "build them before this step, or set build to true (or auto) to let "
                "py-release build the project in project-dir",
            )
        where = _found_in(folder, contents)
        env.reporter.info(where)
        names = ", ".join(d.name for d in contents.dists)
        return replace(plan, dists=contents.dists).with_stage(
            "build", "skipped", f"using ready files from {folder}: {names}"
        )
    with env.reporter.group(f"Build {env.config.project_dir}"):
        dists = _build_into(folder, plan.decision.build, env)
    names = ", ".join(d.name for d in dists)
    how = " (wheel from the sdist)" if len(plan.decision.build) == 2 else ""
    return replace(plan, dists=dists, built=True).with_stage("build", "done", f"built {names}{how}")


def _build_into(folder: Path, kinds: Sequence[BuildKind], env: Environment) -> tuple[DistFile, ...]:
    """Build in a scratch folder, then move the results into ``folder``: a failed build
    leaves packages-dir as it was."""
    contents = scan_packages_dir(folder)
    others = contents.dists
    with tempfile.TemporaryDirectory(prefix="py-release-out-") as scratch:
        built = build_distributions(
            env.config.project_dir,
            Path(scratch),
            verbose=env.config.verbose,
            log=env.reporter.info,
            kinds=kinds,
        )
        if folder.exists() and not folder.is_dir():
            raise NoDistributionsError(
                f"packages-dir '{folder}' is a file, not a folder",
                "set packages-dir to a plain folder in the workspace (the default, dist)",
            )
        folder.mkdir(parents=True, exist_ok=True)
        in_the_way = [
            folder / dist.name for dist in built
            if (folder / dist.name).is_symlink() or ((folder / dist.name).exists()
            and not (folder / dist.name).is_file())
        ]  # fmt: skip
        if in_the_way:
            raise NoDistributionsError(
                "the built files cannot be put in packages-dir: "
                + ", ".join(f"{p} is a folder or a link" for p in in_the_way),
                "remove them (download-artifact without merge-multiple leaves folders named "
                "like the files), then run again",
            )
        placed = []
        for dist in built:
            target = folder / dist.name
            shutil.move(dist.path, target)
            placed.append(DistFile(target))
    stale = [d.name for d in others if d.name not in {p.name for p in placed}]
    if stale:
        env.reporter.warning(
            f"{folder} also holds {', '.join(stale)}; only the files just built are used",
            title="packages-dir",
        )
    return tuple(placed)


def _refuse_unsupported(paths: Sequence[Path]) -> None:
    if paths:
        raise CheckFailed(
            [
                Problem(
                    path.name,
                    "Invalid file extension: Use .tar.gz, .whl or .zip extension. See "
                    "https://www.python.org/dev/peps/pep-0527 and "
                    "https://peps.python.org/pep-0715/ for more information",
                    "remove the file from packages-dir: publish an sdist (.tar.gz) and wheels "
                    "(.whl) instead (eggs and other formats are not uploaded any more)",
                    by="PyPI",
                )
                for path in paths
            ]
        )


def _found_in(folder: Path, contents: FolderContents) -> str:
    """What the ready files are and where they were found, for the log."""
    count = len(contents.dists)
    line = f"{count} distribution{'s' if count != 1 else ''} in {folder}"
    if contents.artifact_folders:
        names = ", ".join(f"{p.name}/" for p in contents.artifact_folders)
        line += f" and its artifact folders {names}"
    if contents.duplicates:
        line += "; left out as copies of the same file: " + ", ".join(
            str(p.relative_to(folder)) for p in contents.duplicates
        )
    return line


def _refuse_conflicts(conflicts: Sequence[tuple[Path, Path]]) -> None:
    if conflicts:
        raise NoDistributionsError(
            "packages-dir holds different files of the same name: "
            + "; ".join(f"{a} and {b}" for a, b in conflicts),
            "only one file of a name can be published: keep the one you mean (two matrix jobs "
            "built the same wheel, or an old artifact is still there)",
        )


def _refuse_impostors(not_files: Sequence[Path]) -> None:
    if not_files:
        raise NoDistributionsError(
            "these look like distributions but are not regular files: "
            + ", ".join(str(p) for p in not_files),
            "packages-dir may hold the files or one folder of files per artifact; remove "
            "these, or download the artifacts with merge-multiple: true",
        )
