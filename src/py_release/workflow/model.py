"""A GitHub workflow parsed for the release checklist: its triggers, jobs and steps, and which
of them publish where.

A *publishing job* is one with a step that uploads: ``pypa/gh-action-pypi-publish``, this action
(``.../py-release-action`` or ``./``) unless ``dry-run: true``, or a ``run:`` calling
``twine upload``, ``uv publish`` or ``py-release publish``. Line numbers are found in the text,
so they are a best effort and may be ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from py_release.index.repositories import PYPI_HOST, PYPI_UPLOAD_HOST, TESTPYPI_HOST
from py_release.workflow.lines import Lines

PYPI, TESTPYPI, OTHER = "PyPI", "TestPyPI", "another index"
OFFICIAL = frozenset({PYPI, TESTPYPI})

_PUBLISH_RUN = re.compile(r"\btwine\s+upload\b|\buv\s+publish\b|\bpy-release\s+publish\b")
_CHECK_RUN = re.compile(r"\btwine\s+check\b|\bpy-release\s+(check|publish)\b")
_TESTPYPI_RUN = re.compile(
    re.escape(TESTPYPI_HOST)
    + r"|(-r|--repository|--index)[= ]+['\"]?testpypi\b|TWINE_REPOSITORY=testpypi\b",
    re.IGNORECASE,
)
_URL_RUN = re.compile(
    r"(?:--repository-url|--publish-url|TWINE_REPOSITORY_URL=|UV_PUBLISH_URL=)[= ]*['\"]?(\S+)"
)
_TAG_IF = re.compile(
    r"(?<!!)startsWith\(\s*github\.ref\s*,\s*['\"]refs/tags/"
    r"|github\.ref_type\s*==\s*['\"]tag['\"]"
    r"|github\.event_name\s*==\s*['\"](?:release|workflow_dispatch)['\"]"
)
_STATUS_IF = re.compile(r"\b(always|failure|cancelled)\(\)")


# --- reading YAML values -----------------------------------------------------------------------


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def is_true(value: Any) -> bool:
    return as_text(value).strip().lower() == "true"


def is_false(value: Any) -> bool:
    return as_text(value).strip().lower() == "false"


def as_mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def strings_in(value: Any) -> Iterator[str]:
    """Every scalar in ``value`` (mappings and lists walked), as text."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif value is not None:
        yield str(value)


def _url_index(url: str) -> str:
    url = url.lower()
    if not url:
        return PYPI
    if TESTPYPI_HOST in url:
        return TESTPYPI
    if PYPI_UPLOAD_HOST in url or f"//{PYPI_HOST}" in url:
        return PYPI
    return OTHER


# --- the workflow --------------------------------------------------------------------------------


@dataclass
class Step:
    raw: dict[str, Any]
    line: int | None

    @property
    def uses(self) -> str:
        return as_text(self.raw.get("uses")).strip()

    @property
    def action(self) -> str:
        return self.uses.split("@", 1)[0].rstrip("/").lower()

    @property
    def run(self) -> str:
        return as_text(self.raw.get("run"))

    @property
    def with_(self) -> dict[str, Any]:
        return as_mapping(self.raw.get("with"))

    @property
    def env(self) -> dict[str, Any]:
        return as_mapping(self.raw.get("env"))

    @property
    def is_pypa_action(self) -> bool:
        return self.action == "pypa/gh-action-pypi-publish"

    @property
    def is_our_action(self) -> bool:
        return self.action == "." or self.action.endswith("py-release-action")

    @property
    def publishes(self) -> bool:
        if self.is_pypa_action:
            return True
        if self.is_our_action:
            return not is_true(self.with_.get("dry-run"))
        return bool(self.uses == "" and _PUBLISH_RUN.search(self.run))

    @property
    def checks_metadata(self) -> bool:
        if self.is_pypa_action or self.is_our_action:
            return not is_false(self.with_.get("verify-metadata"))
        return bool(self.uses == "" and _CHECK_RUN.search(self.run))

    def indexes(self, job_env: Mapping[str, Any]) -> set[str]:
        """The indexes this publishing step uploads to."""
        with_ = self.with_
        if self.is_pypa_action or self.is_our_action:
            routing = as_text(with_.get("repository")).strip().lower()
            if self.is_our_action and routing == "auto":
                return {PYPI, TESTPYPI}
            if self.is_our_action and routing in ("pypi", "testpypi"):
                return {PYPI if routing == "pypi" else TESTPYPI}
            url = as_text(with_.get("repository-url") or with_.get("repository_url") or routing)
            return {_url_index(url)}
        env = {**job_env, **self.env}
        blob = self.run + "\n" + "\n".join(f"{k}={as_text(v)}" for k, v in env.items())
        if _TESTPYPI_RUN.search(blob):
            return {TESTPYPI}
        match = _URL_RUN.search(blob)
        return {_url_index(match.group(1)) if match else PYPI}


@dataclass
class Job:
    id: str
    raw: dict[str, Any]
    line: int | None
    steps: list[Step]
    indexes: set[str] = field(default_factory=set)

    @property
    def publishes(self) -> bool:
        return bool(self.indexes)

    @property
    def index_names(self) -> str:
        """The indexes the job publishes to, for a message: ``PyPI and TestPyPI``."""
        return " and ".join(sorted(self.indexes))

    @property
    def condition(self) -> str:
        return as_text(self.raw.get("if"))

    @property
    def environment(self) -> str | None:
        env = self.raw.get("environment")
        if isinstance(env, Mapping):
            env = env.get("name")
        return as_text(env).strip() or None

    @property
    def needs(self) -> list[str]:
        needs = self.raw.get("needs")
        if isinstance(needs, list):
            return [as_text(n) for n in needs]
        return [as_text(needs)] if needs else []


@dataclass
class Workflow:
    raw: dict[str, Any]
    triggers: dict[str, Any]
    jobs: list[Job]
    lines: Lines

    @classmethod
    def parse(cls, data: dict[Any, Any], text: str) -> Workflow:
        lines = Lines(text)
        # YAML 1.1 reads the key `on` as the boolean True.
        on = data["on"] if "on" in data else data.get(True)
        if isinstance(on, str):
            triggers: dict[str, Any] = {on: None}
        elif isinstance(on, list):
            triggers = {as_text(event): None for event in on}
        else:
            triggers = as_mapping(on)
        raw = {str(k): v for k, v in data.items() if k is not True}
        workflow_env = as_mapping(raw.get("env"))
        jobs: list[Job] = []
        for job_id, job_raw in as_mapping(raw.get("jobs")).items():
            job_data = as_mapping(job_raw)
            line = lines.job(str(job_id))
            raw_steps = [as_mapping(s) for s in job_data.get("steps") or [] if isinstance(s, dict)]
            step_lines = lines.steps(str(job_id), len(raw_steps))
            steps = [Step(s, n) for s, n in zip(raw_steps, step_lines, strict=True)]
            job = Job(job_id, job_data, line, steps)
            job_env = {**workflow_env, **as_mapping(job_data.get("env"))}
            for step in steps:
                if step.publishes:
                    job.indexes |= step.indexes(job_env)
            jobs.append(job)
        return cls(raw, triggers, jobs, lines)

    @property
    def publishing(self) -> list[Job]:
        return [job for job in self.jobs if job.publishes]

    def job(self, job_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)

    def tag_only(self, job: Job, seen: frozenset[str] = frozenset()) -> bool:
        """Whether the job's ``if:`` (or one of the jobs it needs) limits it to tags/releases."""
        condition = job.condition
        if _TAG_IF.search(condition) and "||" not in condition:
            return True
        if _STATUS_IF.search(condition):
            return False  # runs even when the jobs it needs were skipped
        for name in job.needs:
            needed = self.job(name)
            if needed is not None and name not in seen and self.tag_only(needed, seen | {name}):
                return True
        return False

    def trigger_line(self, event: str) -> int | None:
        return self.lines.trigger(event)
