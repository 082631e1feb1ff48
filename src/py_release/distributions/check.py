"""The check stage: every check a distribution must pass before anything is uploaded,
collected in one report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from py_release.config import AutoBool, MetadataCheck
from py_release.distributions.description import description_problems
from py_release.distributions.files import DistFile
from py_release.distributions.integrity import check_sdist, check_wheel
from py_release.distributions.pypi_files import (
    archive_problems,
    file_problems,
    oversized_metadata,
)
from py_release.distributions.pypi_metadata import form_metadata
from py_release.distributions.secret_files import secret_problems
from py_release.distributions.upload_form import TwineRefusal, upload_form
from py_release.distributions.version import is_local, tag_matches
from py_release.errors import CheckFailed, Problem

if TYPE_CHECKING:
    from py_release.environment import Environment
    from py_release.plan import Plan
    from py_release.reporter import Reporter


@dataclass(frozen=True)
class CheckedDist:
    dist: DistFile
    name: str
    version: str


@dataclass(frozen=True)
class CheckReport:
    checked: tuple[CheckedDist, ...]
    # What stops the release: every refusal (and, with verify-metadata: strict, every warning).
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def project(self) -> str:
        names = {canonicalize_name(c.name) for c in self.checked}
        return names.pop() if len(names) == 1 else ""

    @property
    def version(self) -> str:
        """The release's version: one PEP 440 version (``1.0`` and ``1.0.0`` are one), as the
        sdist spells it (PyPI keeps the first upload's spelling; the sdist goes first)."""
        groups = _versions(self.checked)
        return next(iter(groups.values()))[0] if len(groups) == 1 else ""


def _versions(checked: Sequence[CheckedDist]) -> dict[Version | str, list[str]]:
    """The versions of ``checked`` grouped by PEP 440 equality, sdist spellings first."""
    groups: dict[Version | str, list[str]] = {}
    for item in sorted(checked, key=lambda c: c.dist.kind != "sdist"):
        try:
            key: Version | str = Version(item.version)
        except InvalidVersion:
            key = item.version
        groups.setdefault(key, [])
        if item.version not in groups[key]:
            groups[key].append(item.version)
    return groups


@dataclass(frozen=True)
class CheckOptions:
    # true: PyPI's rules and the description; strict: twine check --strict's warnings refuse
    # too; false: the description is not rendered (PyPI's metadata rules still apply).
    verify_metadata: MetadataCheck = "true"
    refuse_local_versions: bool = False
    tag: str | None = None
    check_tag: AutoBool = "auto"
    max_file_size: int = 100 * 1024**2


def _one_dist(dist: DistFile, options: CheckOptions) -> tuple[CheckedDist | None, list[Problem]]:
    problems: list[Problem] = []
    if dist.size > options.max_file_size:
        problems.append(
            Problem(
                dist.name,
                f"is {dist.size:,} bytes, over the limit of {options.max_file_size:,} bytes",
                "make the file smaller, or if your project has a raised limit on the index, "
                "set max-file-size to it",
            )
        )
    # twine and the rules below read the metadata whole: a bomb is refused unread.
    bomb = oversized_metadata(dist)
    if bomb:
        return None, problems + file_problems(dist, None, [], bomb)
    # PyPI reads a file only once it is the archive it claims to be; so do installers.
    archive = archive_problems(dist)
    try:
        form = upload_form(dist)
    except TwineRefusal as refusal:
        found = file_problems(dist, None, [], archive)
        if not found:
            # twine's reason only where PyPI's archive rules have not said why already.
            found = _installer_problems(dist) + [
                Problem(dist.name, reason, _REBUILD, by="twine") for reason in refusal.reasons
            ]
        return None, problems + found
    metadata, metadata_problems = form_metadata(dist.name, form)
    license_files = [str(path) for path in metadata.license_files or []] if metadata else []
    pypi_problems = file_problems(dist, metadata, license_files, archive)
    if not archive:
        problems += _installer_problems(dist) + secret_problems(dist)
    problems += pypi_problems + metadata_problems
    if options.verify_metadata != "false":
        problems += description_problems(dist.name, form)
    if metadata is None:
        return None, problems
    version = str(metadata.version)
    if options.refuse_local_versions and is_local(version):
        problems.append(
            Problem(
                dist.name,
                f"The use of local versions in '{version}' is not allowed.",
                "drop the '+local' part of the version (setuptools-scm: "
                'local_scheme = "no-local-version")',
                by="PyPI",
            )
        )
    return CheckedDist(dist, metadata.name, version), problems


_REBUILD = "rebuild the distribution with a current build backend"


def _installer_problems(dist: DistFile) -> list[Problem]:
    return check_wheel(dist.path) if dist.kind == "wheel" else check_sdist(dist.path)


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
    versions = _versions(checked)
    if len(versions) > 1:
        spelled = [spellings[0] for spellings in versions.values()]
        problems.append(
            Problem(
                "packages-dir",
                f"holds {len(versions)} versions: {', '.join(sorted(spelled))}",
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
                by="PyPI",
            )
        )
    problems += _tag_problems([s[0] for s in versions.values()], options)
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
    found: list[Problem] = []
    for dist in dists:
        result, dist_problems = _one_dist(dist, options)
        if result is not None:
            checked.append(result)
        found += dist_problems
    found += _release_problems(checked, options)
    warnings = [p for p in found if p.severity == "warning"]
    problems = [p for p in found if p.severity == "error"]
    if options.verify_metadata == "strict":
        strict = [w for w in warnings if w.by == "twine"]
        problems += [
            replace(
                w,
                severity="error",
                by="release",
                message=f"verify-metadata is strict, and twine check --strict warns: {w.message}",
            )
            for w in strict
        ]
        warnings = [w for w in warnings if w.by != "twine"]
    return CheckReport(tuple(checked), tuple(problems), tuple(warnings))


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
    if not plan.dists:
        # The build stage refuses an empty folder; a check of nothing must never say "pass".
        return plan.refused(
            CheckFailed([Problem("packages-dir", "holds no distributions to check", _NO_FILES)])
        )
    with env.reporter.group(f"Check {len(plan.dists)} files"):
        report = check_distributions(plan.dists, options)
        report_findings(report, env.reporter)
    plan = replace(plan, report=report)
    if report.problems:
        return plan.refused(CheckFailed(report.problems))
    if config.print_hash:
        _print_hashes(plan.dists, env)
    checks = "PyPI's upload rules, installability, names, size"
    if options.verify_metadata != "false":
        checks += ", description"
    if options.verify_metadata == "strict":
        checks += " (strict)"
    if options.tag and config.check_tag != "false":
        checks += f", tag {options.tag}"
    warned = f", {len(report.warnings)} warnings" if report.warnings else ""
    env.reporter.info(f"{plan.project} {plan.version}: all {len(plan.dists)} files pass{warned}")
    return plan.with_stage("check", "done", f"{len(plan.dists)} files pass{warned}: {checks}")


_NO_FILES = "build before this step, or let py-release build (build: auto)"


def report_findings(report: CheckReport, reporter: Reporter) -> None:
    """Each refusal as an error and each warning as a warning, with its fix; then each file
    that has neither as passed."""
    for problem in report.problems:
        reporter.error(
            f"{problem.verdict}{problem.message}\nhint: {problem.hint}", title=problem.file
        )
    for warning in report.warnings:
        reporter.warning(
            f"{warning.verdict}{warning.message}\nhint: {warning.hint}", title=warning.file
        )
    named = {p.file for p in (*report.problems, *report.warnings)}
    for checked in report.checked:
        if checked.dist.name not in named:
            reporter.detail(f"{checked.dist.name}: passed")


def _print_hashes(dists: Sequence[DistFile], env: Environment) -> None:
    with env.reporter.group("File hashes"):
        for dist in dists:
            hashes = dist.hashes
            env.reporter.info(
                f"{dist.name}\n  SHA256: {hashes.sha256}\n  MD5: {hashes.md5}\n"
                f"  BLAKE2-256: {hashes.blake2_256}"
            )
