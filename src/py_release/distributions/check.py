"""The check stage: every check a distribution must pass before anything is uploaded,
collected in one report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from py_release.config import AutoBool
from py_release.distributions.filenames import filename_problems
from py_release.distributions.files import DistFile
from py_release.distributions.integrity import check_sdist, check_wheel
from py_release.distributions.metadata import (
    UnreadableMetadata,
    parse_metadata,
    pypi_rule_problems,
    read_metadata,
)
from py_release.distributions.twine_check import strict_twine_check
from py_release.distributions.version import is_local, tag_matches
from py_release.errors import CheckFailed, Problem

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan


@dataclass(frozen=True)
class CheckedDist:
    dist: DistFile
    name: str
    version: str


@dataclass(frozen=True)
class CheckReport:
    checked: tuple[CheckedDist, ...]
    problems: tuple[Problem, ...]

    @property
    def project(self) -> str:
        names = {canonicalize_name(c.name) for c in self.checked}
        return names.pop() if len(names) == 1 else ""

    @property
    def version(self) -> str:
        versions = {c.version for c in self.checked}
        return versions.pop() if len(versions) == 1 else ""


@dataclass(frozen=True)
class CheckOptions:
    verify_metadata: bool = True
    refuse_local_versions: bool = False
    tag: str | None = None
    check_tag: AutoBool = "auto"
    max_file_size: int = 100 * 1024**2


def _one_dist(dist: DistFile, options: CheckOptions) -> tuple[CheckedDist | None, list[Problem]]:
    problems = check_wheel(dist.path) if dist.kind == "wheel" else check_sdist(dist.path)
    if dist.size > options.max_file_size:
        problems.append(
            Problem(
                dist.name,
                f"is {dist.size:,} bytes, over the limit of {options.max_file_size:,} bytes",
                "make the file smaller, or if your project has a raised limit on the index, "
                "set max-file-size to it",
            )
        )
    try:
        dist_metadata = read_metadata(dist)
    except UnreadableMetadata as exc:
        problems.append(
            Problem(dist.name, f"its metadata cannot be read: {exc}", "rebuild the distribution")
        )
        return None, problems
    metadata, metadata_problems = parse_metadata(dist.name, dist_metadata)
    problems += metadata_problems
    if metadata is None:
        return None, problems
    version = str(metadata.version)
    problems += filename_problems(dist, metadata.name, version)
    problems += pypi_rule_problems(dist.name, metadata, dist_metadata)
    if options.refuse_local_versions and is_local(version):
        problems.append(
            Problem(
                dist.name,
                f"The use of local versions in '{version}' is not allowed on PyPI and TestPyPI",
                "drop the '+local' part of the version (setuptools-scm: "
                'local_scheme = "no-local-version")',
            )
        )
    if options.verify_metadata and not problems:
        # twine re-reads the file; only worth it when the archive itself is sound.
        problems += strict_twine_check(dist)
    return CheckedDist(dist, metadata.name, version), problems


def _release_problems(checked: Sequence[CheckedDist], options: CheckOptions) -> list[Problem]:
    problems: list[Problem] = []
    projects = sorted({canonicalize_name(c.name) for c in checked})
    if len(projects) > 1:
        problems.append(
            Problem(
                "packages-dir",
                f"holds files of {len(projects)} projects: {', '.join(projects)}",
                "publish one project per step: give each its own packages-dir",
            )
        )
    versions = sorted({c.version for c in checked})
    if len(versions) > 1:
        problems.append(
            Problem(
                "packages-dir",
                f"holds {len(versions)} versions: {', '.join(versions)}",
                "remove the files of old builds (empty packages-dir before building)",
            )
        )
    sdists = [c.dist.name for c in checked if c.dist.kind == "sdist"]
    if len(sdists) > 1:
        problems.append(
            Problem(
                "packages-dir",
                f"Only one sdist may be uploaded per release; found {', '.join(sdists)}",
                "keep one sdist",
            )
        )
    problems += _tag_problems(versions, options)
    return problems


def _tag_problems(versions: Sequence[str], options: CheckOptions) -> list[Problem]:
    if options.check_tag == "false" or len(versions) != 1:
        return []
    if options.tag is None:
        if options.check_tag == "true":
            return [
                Problem(
                    "check-tag",
                    "is true, but this run is not for a tag",
                    "run the release on a tag push, or set check-tag to auto",
                )
            ]
        return []
    if tag_matches(options.tag, versions[0]):
        return []
    return [
        Problem(
            f"tag {options.tag}",
            f"does not match the version of the distributions, {versions[0]}",
            f"tag the commit as v{versions[0]}, or set the project's version to match the tag",
        )
    ]


def check_distributions(dists: Sequence[DistFile], options: CheckOptions) -> CheckReport:
    """Run every check on every file; never stops at the first problem."""
    checked: list[CheckedDist] = []
    problems: list[Problem] = []
    for dist in dists:
        result, dist_problems = _one_dist(dist, options)
        if result is not None:
            checked.append(result)
        problems += dist_problems
    problems += _release_problems(checked, options)
    return CheckReport(tuple(checked), tuple(problems))


def check_stage(plan: Plan, env: Environment) -> Plan:
    """The plan with its check report; refused (with the report, so the summary still names
    the project and version) when any file has a problem."""
    config = env.config
    options = CheckOptions(
        verify_metadata=config.verify_metadata,
        refuse_local_versions=plan.decision.index.is_pypi,
        tag=env.context.tag,
        check_tag=config.check_tag,
        max_file_size=config.max_file_size,
    )
    with env.reporter.group(f"Check {len(plan.dists)} files"):
        report = check_distributions(plan.dists, options)
        for problem in report.problems:
            env.reporter.error(f"{problem.message}\nhint: {problem.hint}", title=problem.file)
        for checked in report.checked:
            env.reporter.detail(f"{checked.dist.name}: passed")
    plan = replace(plan, report=report)
    if report.problems:
        return plan.refused(CheckFailed(report.problems))
    if config.print_hash:
        _print_hashes(plan.dists, env)
    checks = "strict twine check, metadata, PyPI rules, names, integrity, size"
    if options.tag and config.check_tag != "false":
        checks += f", tag {options.tag}"
    env.reporter.info(f"{plan.project} {plan.version}: all {len(plan.dists)} files pass")
    return plan.with_stage("check", "done", f"{len(plan.dists)} files pass: {checks}")


def _print_hashes(dists: Sequence[DistFile], env: Environment) -> None:
    with env.reporter.group("File hashes"):
        for dist in dists:
            hashes = dist.hashes
            env.reporter.info(
                f"{dist.name}\n  SHA256: {hashes.sha256}\n  MD5: {hashes.md5}\n"
                f"  BLAKE2-256: {hashes.blake2_256}"
            )
