"""The release security checklist, one function per item, over a parsed workflow.

A *publishing job* is one with a step that uploads: ``pypa/gh-action-pypi-publish``, this action
(``.../py-release-action`` or ``./``) unless ``dry-run: true``, or a ``run:`` calling
``twine upload``, ``uv publish`` or ``py-release publish``. Line numbers are found in the text
(``yaml.safe_load`` keeps none), so they are a best effort and may be ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["pass", "warn", "fail"]

PYPI, TESTPYPI, OTHER = "PyPI", "TestPyPI", "another index"
OFFICIAL = frozenset({PYPI, TESTPYPI})


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str
    fix: str
    line: int | None = None


# --- parsing -----------------------------------------------------------------------------------

_PUBLISH_RUN = re.compile(r"\btwine\s+upload\b|\buv\s+publish\b|\bpy-release\s+publish\b")
_CHECK_RUN = re.compile(r"\btwine\s+check\b|\bpy-release\s+(check|publish)\b")
_TESTPYPI_RUN = re.compile(
    r"test\.pypi\.org|(-r|--repository|--index)[= ]+['\"]?testpypi\b|TWINE_REPOSITORY=testpypi\b",
    re.IGNORECASE,
)
_URL_RUN = re.compile(
    r"(?:--repository-url|--publish-url|TWINE_REPOSITORY_URL=|UV_PUBLISH_URL=)[= ]*['\"]?(\S+)"
)
_SHA = re.compile(r"[0-9a-f]{40}")
_TAG_IF = re.compile(
    r"(?<!!)startsWith\(\s*github\.ref\s*,\s*['\"]refs/tags/"
    r"|github\.ref_type\s*==\s*['\"]tag['\"]"
    r"|github\.event_name\s*==\s*['\"](?:release|workflow_dispatch)['\"]"
)
_STATUS_IF = re.compile(r"\b(always|failure|cancelled)\(\)")
_SECRET = re.compile(r"secrets\.(\w+)")
_TOKEN_SECRET = re.compile(r"secrets\.(\w*PYPI\w*)", re.IGNORECASE)
_PASSWORD_ENV = ("TWINE_PASSWORD", "UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD", "PY_RELEASE_PASSWORD")
# Events that are fine for a PyPI release; push is judged by its filters, the dangerous ones
# by their own check.
_RELEASE_EVENTS = frozenset({"release", "workflow_dispatch", "workflow_call"})
_UNTRUSTED_EVENTS = ("pull_request_target", "workflow_run")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _is_true(value: Any) -> bool:
    return _text(value).strip().lower() == "true"


def _is_false(value: Any) -> bool:
    return _text(value).strip().lower() == "false"


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _url_index(url: str) -> str:
    url = url.lower()
    if not url:
        return PYPI
    if "test.pypi.org" in url:
        return TESTPYPI
    if "upload.pypi.org" in url or "//pypi.org" in url:
        return PYPI
    return OTHER


@dataclass
class Step:
    raw: dict[str, Any]
    line: int | None

    @property
    def uses(self) -> str:
        return _text(self.raw.get("uses")).strip()

    @property
    def action(self) -> str:
        return self.uses.split("@", 1)[0].rstrip("/").lower()

    @property
    def run(self) -> str:
        return _text(self.raw.get("run"))

    @property
    def with_(self) -> dict[str, Any]:
        return _mapping(self.raw.get("with"))

    @property
    def env(self) -> dict[str, Any]:
        return _mapping(self.raw.get("env"))

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
            return not _is_true(self.with_.get("dry-run"))
        return bool(self.uses == "" and _PUBLISH_RUN.search(self.run))

    @property
    def checks_metadata(self) -> bool:
        if self.is_pypa_action or self.is_our_action:
            return not _is_false(self.with_.get("verify-metadata"))
        return bool(self.uses == "" and _CHECK_RUN.search(self.run))

    def indexes(self, job_env: Mapping[str, Any]) -> set[str]:
        """The indexes this publishing step uploads to."""
        with_ = self.with_
        if self.is_pypa_action or self.is_our_action:
            routing = _text(with_.get("repository")).strip().lower()
            if self.is_our_action and routing == "auto":
                return {PYPI, TESTPYPI}
            if self.is_our_action and routing in ("pypi", "testpypi"):
                return {PYPI if routing == "pypi" else TESTPYPI}
            url = _text(with_.get("repository-url") or with_.get("repository_url") or routing)
            return {_url_index(url)}
        env = {**job_env, **self.env}
        blob = self.run + "\n" + "\n".join(f"{k}={_text(v)}" for k, v in env.items())
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
    def condition(self) -> str:
        return _text(self.raw.get("if"))

    @property
    def environment(self) -> str | None:
        env = self.raw.get("environment")
        if isinstance(env, Mapping):
            env = env.get("name")
        return _text(env).strip() or None

    @property
    def needs(self) -> list[str]:
        needs = self.raw.get("needs")
        if isinstance(needs, list):
            return [_text(n) for n in needs]
        return [_text(needs)] if needs else []


class _Lines:
    """Best-effort line numbers (1-based) for keys and steps, from the workflow's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, pattern: str, start: int = 0) -> int | None:
        regex = re.compile(pattern)
        for number in range(start, len(self.lines)):
            if regex.search(self.lines[number]):
                return number + 1
        return None

    def job(self, job_id: str) -> int | None:
        jobs = self.find(r"^jobs\s*:")
        if jobs is None:
            return None
        return self.find(rf"^\s+['\"]?{re.escape(job_id)}['\"]?\s*:", jobs)

    def steps(self, job_line: int | None, count: int) -> list[int | None]:
        found: list[int | None] = []
        steps = self.find(r"^\s*steps\s*:", job_line or 0) if job_line else None
        if steps is not None:
            indent: int | None = None
            for number in range(steps, len(self.lines)):
                line = self.lines[number]
                stripped = line.lstrip()
                if not stripped or stripped.startswith("#"):
                    continue
                here = len(line) - len(stripped)
                if indent is None:
                    if not stripped.startswith("-"):
                        break
                    indent = here
                if here < indent or (here == indent and not stripped.startswith("-")):
                    break
                if here == indent:
                    found.append(number + 1)
        found = found[:count]
        return found + [None] * (count - len(found))


@dataclass
class Workflow:
    raw: dict[str, Any]
    triggers: dict[str, Any]
    jobs: list[Job]
    lines: _Lines

    @classmethod
    def parse(cls, data: dict[Any, Any], text: str) -> Workflow:
        lines = _Lines(text)
        # YAML 1.1 reads the key `on` as the boolean True.
        on = data["on"] if "on" in data else data.get(True)
        if isinstance(on, str):
            triggers: dict[str, Any] = {on: None}
        elif isinstance(on, list):
            triggers = {_text(event): None for event in on}
        else:
            triggers = _mapping(on)
        raw = {str(k): v for k, v in data.items() if k is not True}
        workflow_env = _mapping(raw.get("env"))
        jobs: list[Job] = []
        for job_id, job_raw in _mapping(raw.get("jobs")).items():
            job_data = _mapping(job_raw)
            line = lines.job(job_id)
            raw_steps = [_mapping(s) for s in job_data.get("steps") or [] if isinstance(s, dict)]
            step_lines = lines.steps(line, len(raw_steps))
            steps = [Step(s, n) for s, n in zip(raw_steps, step_lines, strict=True)]
            job = Job(job_id, job_data, line, steps)
            job_env = {**workflow_env, **_mapping(job_data.get("env"))}
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
        on = self.lines.find(r"^['\"]?(on|true)['\"]?\s*:")
        return self.lines.find(rf"\b{re.escape(event)}\b", (on or 1) - 1)


def _push_reaches_branches(config: Any) -> bool:
    if not isinstance(config, Mapping):
        return True  # a bare `push:` runs for every branch and tag
    branches = "branches" in config or "branches-ignore" in config
    tags = "tags" in config or "tags-ignore" in config
    return branches or not tags


def _indexes(job: Job) -> str:
    return " and ".join(sorted(job.indexes))


# --- the checks ----------------------------------------------------------------------------------


def _or_pass(findings: list[Finding], check: str, message: str) -> list[Finding]:
    """The findings, or a single pass saying what was found right."""
    return findings or [Finding(check, "pass", message, "")]


def check_trigger(workflow: Workflow) -> list[Finding]:
    name = "trigger"
    fix = (
        'publish to PyPI only from release tags: `on: push: tags: ["v*"]` (or `release:` / '
        "`workflow_dispatch:`), or guard the job with "
        "`if: startsWith(github.ref, 'refs/tags/')`; publish branch pushes to TestPyPI instead"
    )
    findings: list[Finding] = []
    for job in workflow.publishing:
        if PYPI not in job.indexes or workflow.tag_only(job):
            continue
        if "push" in workflow.triggers and _push_reaches_branches(workflow.triggers["push"]):
            findings.append(
                Finding(
                    name,
                    "fail",
                    f"job '{job.id}' publishes to PyPI on every push to a branch",
                    fix,
                    job.line,
                )
            )
        others = sorted(
            e
            for e in workflow.triggers
            if e not in _RELEASE_EVENTS and e != "push" and e not in _UNTRUSTED_EVENTS
        )
        if others:
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"job '{job.id}' publishes to PyPI on {', '.join(others)} as well, "
                    "not only on tags, releases or manual dispatch",
                    fix,
                    job.line,
                )
            )
    return _or_pass(findings, name, "PyPI is published to only on tags, releases or dispatch")


def check_permissions(workflow: Workflow) -> list[Finding]:
    name = "permissions"
    findings: list[Finding] = []
    top = workflow.raw.get("permissions")
    top_line = workflow.lines.find(r"^permissions\s*:")
    write_all_fix = (
        "replace `write-all` with the few permissions needed: `permissions: {}` or "
        "`contents: read` at the top, `id-token: write` only on the publishing job"
    )
    if top == "write-all":
        findings.append(
            Finding(name, "fail", "the workflow grants `write-all`", write_all_fix, top_line)
        )
    elif _text(_mapping(top).get("id-token")) == "write":
        findings.append(
            Finding(
                name,
                "fail",
                "`id-token: write` is granted at workflow level, so every job can mint an "
                "upload identity",
                "move `id-token: write` into the publishing job's `permissions:` and keep the "
                "workflow level at `permissions: {}` or `contents: read`",
                top_line,
            )
        )
    for job in workflow.jobs:
        if job.raw.get("permissions") == "write-all":
            findings.append(
                Finding(name, "fail", f"job '{job.id}' grants `write-all`", write_all_fix, job.line)
            )
    if top is None and any("permissions" not in job.raw for job in workflow.jobs):
        findings.append(
            Finding(
                name,
                "warn",
                "no top-level `permissions:`: jobs without their own get the repository's "
                "default token permissions, possibly read-write",
                "add `permissions: {}` (or `contents: read`) at the top of the workflow and "
                "grant each job only what it needs",
            )
        )
    return _or_pass(findings, name, "`id-token: write` only at job level; no `write-all`")


def check_environment(workflow: Workflow) -> list[Finding]:
    name = "environment"
    findings: list[Finding] = []
    for job in workflow.publishing:
        if job.environment is None:
            wanted = "pypi" if PYPI in job.indexes else "testpypi"
            wanted = wanted if job.indexes & OFFICIAL else "release"
            findings.append(
                Finding(
                    name,
                    "fail" if PYPI in job.indexes else "warn",
                    f"publishing job '{job.id}' ({_indexes(job)}) has no `environment:`",
                    f"add `environment: {wanted}` to the job, protect the environment with "
                    "required reviewers in the repository settings, and name it in the "
                    "trusted publisher on the index",
                    job.line,
                )
            )
    message = (
        "every publishing job has an environment" if workflow.publishing else ("no publishing job")
    )
    return _or_pass(findings, name, message)


def check_persist_credentials(workflow: Workflow) -> list[Finding]:
    name = "persist-credentials"
    findings: list[Finding] = []
    for job in workflow.jobs:
        for step in job.steps:
            if step.action != "actions/checkout":
                continue
            if _is_false(step.with_.get("persist-credentials")):
                continue
            findings.append(
                Finding(
                    name,
                    "fail" if job.publishes else "warn",
                    f"job '{job.id}': actions/checkout leaves the job's token in .git/config "
                    "for every later step (build backends included)",
                    "add `with: persist-credentials: false` to the actions/checkout step",
                    step.line,
                )
            )
    return _or_pass(findings, name, "no checkout keeps the token (persist-credentials)")


def check_pinned_actions(workflow: Workflow) -> list[Finding]:
    name = "pinned-actions"
    findings: list[Finding] = []
    seen: set[str] = set()
    uses: list[tuple[str, int | None]] = []
    for job in workflow.jobs:
        if job.raw.get("uses"):
            uses.append((_text(job.raw["uses"]).strip(), job.line))
        uses += [(step.uses, step.line) for step in job.steps if step.uses]
    for ref, line in uses:
        if ref.startswith(("./", "docker://")) or ref == "." or ref in seen:
            continue
        seen.add(ref)
        _, _, version = ref.partition("@")
        if not _SHA.fullmatch(version):
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"`{ref}` is not pinned by commit SHA: whoever controls that tag "
                    "controls your release",
                    f"pin it as `{ref.partition('@')[0]}@<40-hex commit SHA> # {version or 'tag'}`"
                    " (and let Dependabot or Renovate update the pin)",
                    line,
                )
            )
    return _or_pass(findings, name, "every third-party action is pinned by commit SHA")


def check_metadata_check(workflow: Workflow) -> list[Finding]:
    name = "metadata-check"
    if not workflow.publishing:
        return [Finding(name, "pass", "no publishing job", "")]
    if any(step.checks_metadata for job in workflow.jobs for step in job.steps):
        return [Finding(name, "pass", "distributions are checked before the upload", "")]
    job = workflow.publishing[0]
    return [
        Finding(
            name,
            "warn",
            "the workflow publishes without checking the distributions first",
            "run `twine check --strict dist/*` or `py-release check dist/` before the upload, "
            "or publish with the py-release action, which checks them",
            job.line,
        )
    ]


def _routes_by_trigger(job: Job) -> bool:
    return any(
        step.is_our_action and _text(step.with_.get("repository")).lower() == "auto"
        for step in job.steps
    )


def check_separate_indexes(workflow: Workflow) -> list[Finding]:
    name = "separate-indexes"
    pypi = [job for job in workflow.publishing if PYPI in job.indexes]
    test = [job for job in workflow.publishing if TESTPYPI in job.indexes]
    if not pypi or not test:
        return [Finding(name, "pass", "the workflow publishes to at most one of the two", "")]
    findings: list[Finding] = []
    fix = (
        "publish to TestPyPI and to PyPI in two jobs, with `environment: testpypi` and "
        "`environment: pypi`, each named in its own index's trusted publisher"
    )
    routed = [job for job in pypi if job in test and _routes_by_trigger(job)]
    for job in pypi:
        if job in test:
            # `repository: auto` routes one job by trigger, to one index per run: allowed,
            # but both indexes then trust the same environment.
            level: Literal["warn", "fail"] = "warn" if job in routed else "fail"
            what = "routes to both (repository: auto)" if job in routed else "publishes to both"
            findings.append(Finding(name, level, f"job '{job.id}' {what}", fix, job.line))
    shared = {j.environment for j in pypi if j not in routed} & {
        j.environment for j in test if j not in routed
    }
    for environment in sorted(e for e in shared if e and "${{" not in e):
        findings.append(
            Finding(
                name,
                "fail",
                f"TestPyPI and PyPI are published from the same environment '{environment}'",
                fix,
            )
        )
    return _or_pass(findings, name, "TestPyPI and PyPI are published from separate jobs")


def check_untrusted_triggers(workflow: Workflow) -> list[Finding]:
    name = "untrusted-triggers"
    findings: list[Finding] = []
    for event in _UNTRUSTED_EVENTS:
        if event not in workflow.triggers:
            continue
        for job in workflow.publishing:
            if workflow.tag_only(job):
                continue
            findings.append(
                Finding(
                    name,
                    "fail",
                    f"`{event}` reaches publishing job '{job.id}': code or artifacts from an "
                    "untrusted fork can end up published with the repository's identity",
                    f"remove `{event}` from this workflow's triggers and publish from a workflow "
                    "triggered by release tags, `release:` or `workflow_dispatch:`",
                    workflow.trigger_line(event),
                )
            )
    return _or_pass(findings, name, "no pull_request_target or workflow_run publish path")


def check_token_secrets(workflow: Workflow) -> list[Finding]:
    name = "token-secrets"
    findings: list[Finding] = []
    workflow_env = _mapping(workflow.raw.get("env"))
    for job in workflow.publishing:
        if not job.indexes & OFFICIAL:
            continue  # Trusted Publishing exists only on PyPI and TestPyPI
        found: list[str] = []
        for text in [*_strings(job.raw), *_strings(workflow_env)]:
            found += [f"secrets.{m}" for m in _TOKEN_SECRET.findall(text)]
        env = {**workflow_env, **_mapping(job.raw.get("env"))}
        for step in job.steps:
            if not step.publishes or not step.indexes(env) & OFFICIAL:
                continue
            values = [step.with_.get("password")]
            values += [{**env, **step.env}.get(key) for key in _PASSWORD_ENV]
            found += [f"secrets.{m}" for v in values for m in _SECRET.findall(_text(v))]
        if found:
            unique = sorted(set(found))
            first = re.escape(unique[0])
            findings.append(
                Finding(
                    name,
                    "warn",
                    f"publishing job '{job.id}' uploads to {_indexes(job)} with a stored "
                    f"token ({', '.join(unique)})",
                    "use Trusted Publishing: add a trusted publisher for this workflow on "
                    "PyPI/TestPyPI, give the job `permissions: id-token: write`, drop the "
                    "password, and delete the token secret and the token on the index",
                    workflow.lines.find(first, (job.line or 1) - 1),
                )
            )
    return _or_pass(findings, name, "no stored PyPI token secrets")


# What github-release takes for "make a release" (the action's parser: yes/1 read as true).
_RELEASE_ON = frozenset({"true", "yes", "1", "draft"})
# A github-token naming the job's own token: its permissions are the job's.
_JOB_TOKEN = re.compile(r"\bgithub\.token\b|\bsecrets\.GITHUB_TOKEN\b", re.IGNORECASE)


def _grants_contents_write(permissions: Any) -> bool:
    if permissions == "write-all":
        return True
    return _text(_mapping(permissions).get("contents")).strip() == "write"


def check_github_release(workflow: Workflow) -> list[Finding]:
    name = "github-release"
    findings: list[Finding] = []
    fix = (
        "add `contents: write` to the job's permissions (beside `id-token: write`), or give the "
        "step a `github-token` that can write the repository's contents"
    )
    releasing = False
    for job in workflow.jobs:
        # A job's own `permissions:` replaces the workflow's; neither: the repository default.
        permissions = job.raw.get("permissions")
        if permissions is None:
            permissions = workflow.raw.get("permissions")
        for step in job.steps:
            if not step.is_our_action or not step.publishes:
                continue  # a dry run makes no release
            value = _text(step.with_.get("github-release")).strip().lower()
            expression = "${{" in value
            if value not in _RELEASE_ON and not expression:
                continue
            token = _text(step.with_.get("github-token")).strip()
            if token and not _JOB_TOKEN.search(token):
                continue  # another token: its permissions are not the job's to grant
            releasing = True
            if permissions is not None and _grants_contents_write(permissions):
                continue
            what = "may make" if expression else "makes"
            if permissions is None:
                message = (
                    f"job '{job.id}' {what} a GitHub Release, and neither it nor the workflow "
                    "sets `permissions:`: the token then has the repository's default "
                    "permissions, read-only unless the repository allows more"
                )
                level: Level = "warn"
            else:
                message = (
                    f"job '{job.id}' {what} a GitHub Release without `contents: write`: the "
                    "release fails with 403 after the upload to the index"
                )
                level = "warn" if expression else "fail"
            findings.append(Finding(name, level, message, fix, step.line))
    if not releasing:
        return [Finding(name, "pass", "no step makes a GitHub Release with the job's token", "")]
    return _or_pass(findings, name, "every job making a GitHub Release has `contents: write`")


CHECKS: tuple[tuple[str, Callable[[Workflow], list[Finding]]], ...] = (
    ("trigger", check_trigger),
    ("permissions", check_permissions),
    ("environment", check_environment),
    ("persist-credentials", check_persist_credentials),
    ("pinned-actions", check_pinned_actions),
    ("metadata-check", check_metadata_check),
    ("separate-indexes", check_separate_indexes),
    ("untrusted-triggers", check_untrusted_triggers),
    ("token-secrets", check_token_secrets),
    ("github-release", check_github_release),
)
