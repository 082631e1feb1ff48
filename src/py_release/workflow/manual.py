"""The items of the release checklist only the repository's and the indexes' settings can
answer (a workflow file cannot show them): each with the exact page to check it on.

``py-release doctor`` prints them after its findings; a run under Actions puts them once in
its job summary."""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from py_release.workflow.model import PYPI, TESTPYPI, Workflow

_GITHUB_REMOTE = re.compile(r"github\.com[:/](?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")
# OWNER/REPO as GitHub allows them; anything else becomes the placeholder, never part of a link.
_REPOSITORY = re.compile(r"^[A-Za-z0-9-]{1,39}/[\w.-]{1,100}$")


@dataclass(frozen=True)
class ManualItem:
    item: str
    page: str


@dataclass(frozen=True)
class ManualChecklist:
    """What the items depend on: where the settings are, and what the workflow uses."""

    repository: str  # OWNER/REPO, or that placeholder when unknown
    # The publishing jobs' environments, each with the index it publishes to.
    environments: tuple[tuple[str, str], ...]
    indexes: tuple[str, ...]  # PyPI, TestPyPI
    workflow_file: str  # release.yml

    def items(self, project: str | None) -> list[ManualItem]:
        repo = f"https://github.com/{self.repository}"
        items = []
        for environment, index in self.environments:
            guard = (
                "has required reviewers, and only release tags (`v*`) may deploy to it"
                if index == PYPI
                else "lets only the branches and tags that publish deploy to it"
            )
            items.append(
                ManualItem(
                    f"environment `{environment}` ({index}) {guard}",
                    f"{repo}/settings/environments",
                )
            )
        items.append(
            ManualItem(
                "a ruleset protects the release tags (`v*`: who may create, move or delete "
                "them) and the default branch",
                f"{repo}/settings/rules",
            )
        )
        items.append(
            ManualItem(
                "workflow permissions default to read-only (Actions > General > Workflow "
                "permissions)",
                f"{repo}/settings/actions",
            )
        )
        name = canonicalize_name(project) if project else None
        hosts = {PYPI: "pypi.org", TESTPYPI: "test.pypi.org"}
        for index in self.indexes:
            host = hosts[index]
            page = (
                f"https://{host}/manage/project/{name}/settings/publishing/"
                if name
                else f"https://{host}/manage/account/publishing/"
            )
            items.append(
                ManualItem(
                    f"{index} has a trusted publisher for {self.repository}, workflow "
                    f"`{self.workflow_file}`"
                    + "".join(f", environment `{e}`" for e, i in self.environments if i == index)
                    + " (a new project: a pending publisher on your account)",
                    page,
                )
            )  # fmt: skip
        return items


def manual_checklist(
    workflow: Workflow, repository: str | None, workflow_file: str
) -> ManualChecklist:
    """The settings-only items for ``workflow``; ``repository`` None: the placeholder."""
    environments = sorted(
        {
            (j.environment, index)
            for j in workflow.publishing
            for index in j.indexes & {PYPI, TESTPYPI}
            if j.environment and "${{" not in j.environment
        },
        key=lambda pair: (pair[1] != PYPI, pair[0]),
    )
    indexes = sorted({i for j in workflow.publishing for i in j.indexes if i in (PYPI, TESTPYPI)})
    return ManualChecklist(
        repository if repository and _REPOSITORY.match(repository) else "OWNER/REPO",
        tuple(environments),
        tuple(indexes) or (PYPI,),
        Path(workflow_file).name,
    )


def repository_from_git(folder: Path) -> str | None:
    """OWNER/REPO of the checkout's ``origin`` on GitHub, or None."""
    try:
        url = subprocess.run(
            ["git", "-C", str(folder), "remote", "get-url", "origin"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    found = _GITHUB_REMOTE.search(url)
    return found.group("repo") if found else None


def project_from_pyproject(pyproject: Path) -> str | None:
    """``[project].name`` of a pyproject.toml, or None when it has none to read."""
    try:
        with pyproject.open("rb") as file:
            name = tomllib.load(file).get("project", {}).get("name")
    # UnicodeDecodeError: a pyproject.toml that is not UTF-8, which TOML forbids.
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None
