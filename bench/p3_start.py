"""P3: the action's start-up. Cold: empty cache, `scripts/bootstrap` makes the venv, then the
entrypoint runs and prints its first pipeline line. Warm: the venv is in the cache already."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from harness import (
    REPO,
    BenchError,
    Comparison,
    Context,
    Run,
    Section,
    Side,
    Trial,
    clean_env,
    fmt,
    run_rounds,
)

from tests.pypiserver import PypiServer
from tests.unit.artefacts import make_pair

COLD_GOAL, WARM_GOAL = 10.0, 1.0
LOCK_PINS = sum(
    1 for line in (REPO / "requirements" / "action.lock").read_text().splitlines() if "==" in line
)
Kind = Literal["cold-uv", "cold-pip", "warm"]


def base_python() -> str:
    """The interpreter this venv was made from: what setup-python leaves on a runner."""
    for name in ("python3", "python"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return str(candidate)
    return sys.executable


def uv_dir() -> str | None:
    try:
        import uv

        return str(Path(uv.find_uv_bin()).parent)
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        return str(Path(found).parent) if found else None


def search_path(with_uv: bool) -> str:
    """PATH without any folder holding uv, plus uv's folder in front when ``with_uv``."""
    folders = [d for d in clean_env()["PATH"].split(":") if d and not (Path(d) / "uv").exists()]
    found = uv_dir()
    if with_uv:
        if found is None:
            raise BenchError("uv is not installed here, so bootstrap cannot use it")
        folders.insert(0, found)
    return ":".join(folders)


def bootstrap(cache: Path, scratch: Path, *, with_uv: bool) -> tuple[float, str, str]:
    """Run scripts/bootstrap as the action's first step; (seconds, venv python, installer)."""
    env = clean_env(
        {
            "PATH": search_path(with_uv),
            "INPUT_PYTHON": base_python(),
            "PY_RELEASE_CACHE": str(cache),
            # a fresh runner: the installers' own download caches are empty too
            "UV_CACHE_DIR": str(scratch / "uv-cache"),
            "PIP_CACHE_DIR": str(scratch / "pip-cache"),
        }
    )
    start = time.perf_counter()
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "bootstrap")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise BenchError(f"scripts/bootstrap failed:\n{result.stderr.strip()[-1500:]}")
    installer = next(
        (word for word in ("with uv", "with pip", "reused") if word in result.stderr), "?"
    )
    return seconds, result.stdout.strip().splitlines()[-1], installer.removeprefix("with ")


def first_line(python: str, env: Mapping[str, str], log: Path) -> tuple[float, float]:
    """Run entrypoint.py as the action's second step, its output on a pipe as on a runner;
    (seconds until the first line that is not an ::add-mask:: command, seconds to exit)."""
    start = time.perf_counter()
    first: float | None = None
    with (
        log.open("wb") as out,
        subprocess.Popen(
            [python, str(REPO / "entrypoint.py")],
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=log.parent,
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            if first is None and not line.startswith(b"::add-mask::"):
                first = time.perf_counter() - start
            out.write(line)
        code = process.wait()
    total = time.perf_counter() - start
    if code != 0 or first is None:
        text = log.read_text(errors="replace")[-1500:]
        raise BenchError(f"entrypoint.py exited {code}:\n{text}")
    return first, total


def action_env(index: PypiServer, packages: Path, scratch: Path) -> dict[str, str]:
    """The release step's environment under GitHub Actions, for a dry run of ready files."""
    (scratch / "output").write_text("")
    (scratch / "summary").write_text("")
    return clean_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(scratch / "output"),
            "GITHUB_STEP_SUMMARY": str(scratch / "summary"),
            "GITHUB_EVENT_NAME": "push",
            "INPUT_PACKAGES-DIR": str(packages),
            "INPUT_REPOSITORY-URL": index.url,
            "INPUT_USER": index.user,
            "INPUT_PASSWORD": index.password.reveal(),
            "INPUT_DRY-RUN": "true",
            "INPUT_ATTESTATIONS": "false",
            "INPUT_AUDIT": "off",  # it would read PyPI's JSON API on the internet
            "PY_RELEASE_ACTION_PATH": str(REPO),
        }
    )


def _trial(kind: Kind, index: PypiServer, packages: Path, warm_cache: Path) -> Trial:
    def trial(scratch: Path) -> Run:
        cache = warm_cache if kind == "warm" else scratch / "cache"
        boot, python, installer = bootstrap(cache, scratch, with_uv=kind != "cold-pip")
        expected = {"cold-uv": "uv", "cold-pip": "pip", "warm": "reused"}[kind]
        if installer != expected:
            raise BenchError(f"bootstrap {installer} the venv, expected {expected}")
        first, total = first_line(python, action_env(index, packages, scratch), scratch / "log")
        parts = (("bootstrap", boot), ("first line", first), ("entrypoint exit", total))
        return Run(boot + first, 0.0, parts=parts)

    return trial


def run(ctx: Context) -> Section:
    packages = ctx.work / "dist"
    packages.mkdir()
    make_pair(packages)
    sides: dict[Kind, Side] = {
        "cold-uv": Side("cold, uv on PATH"),
        "cold-pip": Side("cold, pip only"),
        "warm": Side("warm"),
    }
    with PypiServer(root=ctx.work / "index") as index:
        warm_cache = ctx.work / "warm-cache"
        ctx.say("P3: preparing the warm cache")
        bootstrap(warm_cache, ctx.work, with_uv=True)
        entries = [
            (side, _trial(kind, index, packages, warm_cache)) for kind, side in sides.items()
        ]
        run_rounds("P3", "seconds", entries, ctx)
    comparisons = [
        Comparison("P3 cold (uv)", "cold start: bootstrap + first line, uv on PATH", "seconds",
                   sides["cold-uv"], None, goal=f"≤ {fmt(COLD_GOAL)} s", goal_value=COLD_GOAL),
        Comparison("P3 cold (pip)", "cold start: bootstrap + first line, no uv", "seconds",
                   sides["cold-pip"], None, goal=f"≤ {fmt(COLD_GOAL)} s", goal_value=COLD_GOAL),
        Comparison("P3 warm", "warm start: bootstrap (reused) + first line", "seconds",
                   sides["warm"], None, goal=f"≤ {fmt(WARM_GOAL)} s", goal_value=WARM_GOAL),
    ]  # fmt: skip
    return Section("P3 — start-up of the action", comparisons, _body(comparisons))


def _parts_table(comparisons: list[Comparison]) -> str:
    rows = [
        "| start | bootstrap | first line after | entrypoint exit after | total to first line |",
        "|---|---|---|---|---|",
    ]
    for c in comparisons:
        if not c.ours.runs:
            rows.append(f"| {c.key} | failed | | | |")
            continue
        medians = {
            name: sorted(dict(run.parts)[name] for run in c.ours.runs)[len(c.ours.runs) // 2]
            for name in ("bootstrap", "first line", "entrypoint exit")
        }
        total = c.ours.stats("seconds")
        rows.append(
            f"| {c.key} | {fmt(medians['bootstrap'])} s | {fmt(medians['first line'])} s | "
            f"{fmt(medians['entrypoint exit'])} s | {total.text('s') if total else '—'} |"
        )
    return "\n".join(rows)


def _body(comparisons: list[Comparison]) -> str:
    return f"""\
The action's two steps, run as the runner runs them. **Cold**: an empty `PY_RELEASE_CACHE`
and empty uv/pip download caches (a fresh runner; the registry is reachable), then
`scripts/bootstrap` creates the venv from `requirements/action.lock`: with uv when `uv` is on
PATH, with pip otherwise. **Warm**: the venv for this lock and interpreter is in the cache
already, so bootstrap only checks its marker. Then `entrypoint.py`, run by the bootstrapped
python with the release step's environment (`GITHUB_ACTIONS=true`, `INPUT_*` for a dry run of
a ready sdist and wheel against a local pypiserver), until the first line that is not an
`::add-mask::` command reaches the pipe. Medians of the measured runs:

{_parts_table(comparisons)}

```console
bootstrap: PY_RELEASE_CACHE=C INPUT_PYTHON=<base python3> UV_CACHE_DIR=… PIP_CACHE_DIR=… \\
             bash scripts/bootstrap      # prints the venv's python
release:   GITHUB_ACTIONS=true INPUT_PACKAGES-DIR=D INPUT_REPOSITORY-URL=$URL \\
             INPUT_USER=uploader INPUT_PASSWORD=… INPUT_DRY-RUN=true INPUT_ATTESTATIONS=false \\
             INPUT_AUDIT=off \\
             $VENV_PYTHON entrypoint.py
```

No peer: the reference action is a Docker container action (its start is an image pull and
build on the runner), which cannot run on this machine.

**What bounds it.** Cold: installing the lock's {LOCK_PINS} pinned packages (cryptography,
pydantic-core, sigstore's stack, ...) with empty download caches. uv downloads and installs in
parallel and does not byte-compile, so the first run of the entrypoint compiles what it
imports (its "first line" is slower than warm). Without uv on PATH, the bootstrap has pip
install only the locked uv (hash-pinned) and lets that uv install the rest: the extra cost is
pip itself (creating the venv with pip, fetching the 17 MB uv wheel). Creating the venv
itself is a fraction of a second. Warm: bootstrap
is a bash script and one Python start (tens of ms); the rest is the release step's Python
start and the imports before its first line (the inputs, doctor, the decision: about a tenth
of a second; every later stage's modules load when reached). The log is line-buffered under
Actions, so the first line reaches the pipe when it is written (before 2026-12-04 stdout was
buffered by the block and "first line" was in effect the end of the run).
"""
