"""P1: release examples/sample-project (build, check, upload to a fresh local pypiserver), ours
vs `python -m build && twine check && twine upload`, with build's default installer (pip) and
with `--installer uv` (what ours uses when uv is there, so the difference uv makes shows)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Literal

from harness import (
    PYTHON,
    REPO,
    TIMES,
    BenchError,
    Comparison,
    Context,
    Run,
    Section,
    Side,
    Trial,
    clean_env,
    fmt,
    measure,
    run_rounds,
)

from py_release.distributions.build import pick_installer
from tests.pypiserver import PypiServer

SAMPLE = REPO / "examples" / "sample-project"
GOAL_RATIO = 0.5
UV_GOAL_RATIO = 1.0
Who = Literal["ours", "pip", "uv", "uv-native", "uv-build"]

# The peer, as a release workflow writes it (twine reads the password from TWINE_PASSWORD).
PEER_SCRIPT = """set -e
"$PY" -m build {installer}--outdir "$D" "$P"
"$PY" -m twine check "$D"/*
"$PY" -m twine upload --non-interactive --disable-progress-bar --repository-url "$URL" \\
  -u "$INDEX_USER" "$D"/*"""


# The fastest peer: uv's own build and publish (uv publish reads UV_PUBLISH_PASSWORD). It
# builds the sdist and the wheel from it, and checks nothing before the upload.
UV_SCRIPT = """set -e
"$PY" -m uv build --quiet --out-dir "$D" "$P"
"$PY" -m uv publish --quiet --publish-url "$URL" -u "$INDEX_USER" "$D"/*"""


# uv's build alone: the floor of the build part, the same backend hooks in uv's environments.
UV_BUILD_SCRIPT = '"$PY" -m uv build --quiet --out-dir "$D" "$P"'


def _command(who: Who, project: Path, packages: Path, index: PypiServer) -> list[str]:
    if who == "uv-build":
        return ["bash", "-c", UV_BUILD_SCRIPT]
    if who == "ours":
        return [
            PYTHON, "-m", "py_release", "publish", "--project-dir", str(project),
            "--packages-dir", str(packages), "--repository-url", index.url,
            "--user", index.user, "--attestations", "false", "--audit", "off",
        ]  # fmt: skip
    if who == "uv-native":
        return ["bash", "-c", UV_SCRIPT]
    installer = "--installer uv " if who == "uv" else ""
    return ["bash", "-c", PEER_SCRIPT.format(installer=installer)]


def _trial(who: Who) -> Trial:
    def trial(scratch: Path) -> Run:
        project = scratch / "sample-project"
        shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
        packages = scratch / "dist"
        with PypiServer(root=scratch / "index") as index:
            secret = index.password.reveal()
            env = clean_env(
                {"PY_RELEASE_PASSWORD": secret}
                if who == "ours"
                else {
                    "TWINE_PASSWORD": secret,
                    "UV_PUBLISH_PASSWORD": secret,
                    "PY": PYTHON,
                    "P": str(project),
                    "D": str(packages),
                    "URL": index.url,
                    "INDEX_USER": index.user,
                }
            )
            command = _command(who, project, packages, index)
            run = measure([command], env=env, log=scratch / "log", cwd=scratch)
            # uv build alone leaves them in the packages folder (with its own .gitignore).
            made = index.packages if who != "uv-build" else packages
            found = sorted(p.name for p in made.iterdir() if p.name.endswith((".whl", ".tar.gz")))
            if len(found) != 2:
                raise BenchError(f"expected an sdist and a wheel in {made}, found {found}")
        return run

    return trial


TIMELINE_RUNS = 3
# The log lines that start each part of ours, in order (all printed without --verbose).
_MARKS = (
    ("start to the first build step (imports, inputs, the audit)", "building the sdist of "),
    ("the sdist step (environment, hatchling, two hooks)", "building the wheel from "),
    ("the wheel from the sdist (two hooks)", "== Check "),
)  # fmt: skip
_AFTER_BUILD = "check, index query, upload, verify, summary, exit"


def _timeline(scratch: Path) -> list[float]:
    """One release by ours, the time of each mark's line from the start, and the exit."""
    project = scratch / "sample-project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
    with PypiServer(root=scratch / "index") as index:
        env = clean_env({"PY_RELEASE_PASSWORD": index.password.reveal(), "PYTHONUNBUFFERED": "1"})
        command = _command("ours", project, scratch / "dist", index)
        started = time.perf_counter()
        seen: dict[str, float] = {}
        with subprocess.Popen(
            command, env=env, cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        ) as process:  # fmt: skip
            assert process.stdout is not None
            for line in process.stdout:
                for _, mark in _MARKS:
                    if mark not in seen and line.startswith(mark):
                        seen[mark] = time.perf_counter() - started
        ended = time.perf_counter() - started
    if process.returncode or len(seen) != len(_MARKS):
        raise BenchError(f"the timeline run failed (exit {process.returncode}, saw {list(seen)})")
    return [seen[mark] for _, mark in _MARKS] + [ended]


def _timeline_table(ctx: Context) -> str:
    runs = []
    for _ in range(TIMELINE_RUNS):
        with tempfile.TemporaryDirectory(prefix="py-release-bench-") as scratch:
            try:
                runs.append(_timeline(Path(scratch)))
            except BenchError as exc:
                return f"(not measured: {exc})"
    marks = [statistics.median(column) for column in zip(*runs, strict=True)]
    names = [name for name, _ in _MARKS] + [_AFTER_BUILD]
    rows = ["| part | seconds |", "|---|---:|"]
    previous = 0.0
    for name, at in zip(names, marks, strict=True):
        rows.append(f"| {name} | {fmt(at - previous)} |")
        previous = at
    rows.append(f"| **total** | **{fmt(marks[-1])}** |")
    ctx.say("  P1 timeline: " + ", ".join(f"{fmt(m)}" for m in marks))
    return "\n".join(rows)


def _median(side: Side) -> str:
    stats = side.stats("seconds")
    return fmt(stats.median) if stats else "(failed)"


def run(ctx: Context) -> Section:
    ours_installer = pick_installer()
    ours = Side(f"ours (build envs: {ours_installer})")
    with_pip, with_uv = Side("build (pip) + twine"), Side("build --installer uv + twine")
    uv_native, uv_build = Side("uv build + uv publish"), Side("uv build alone")
    run_rounds(
        "P1",
        "seconds",
        [(ours, _trial("ours")), (with_pip, _trial("pip")), (with_uv, _trial("uv")),
         (uv_native, _trial("uv-native")), (uv_build, _trial("uv-build"))],
        ctx,
    )  # fmt: skip
    timeline = _timeline_table(ctx)
    goal = f"{GOAL_RATIO}{TIMES} the time of build + twine"
    comparisons = [
        Comparison("P1", "release sample-project vs build (pip) + twine", "seconds", ours,
                   with_pip, goal=f"ours/peer ≤ {GOAL_RATIO}", goal_ratio=GOAL_RATIO),
        Comparison("P1-uv", "release sample-project vs build --installer uv + twine",
                   "seconds", ours, with_uv, goal="(same goal, stricter peer)",
                   goal_ratio=GOAL_RATIO),
        Comparison("P1-uv-native", "release sample-project vs uv build + uv publish",
                   "seconds", ours, uv_native, goal=f"ours/peer ≤ {UV_GOAL_RATIO}",
                   goal_ratio=UV_GOAL_RATIO),
    ]  # fmt: skip
    pip_stats, uv_stats = with_pip.stats("seconds"), with_uv.stats("seconds")
    uv_saving = (
        f"{fmt(pip_stats.median - uv_stats.median)} s of the peer's {fmt(pip_stats.median)} s"
        if pip_stats and uv_stats
        else "not measured (a side failed)"
    )
    body = f"""\
Build the sdist and the wheel of `examples/sample-project` (hatchling), check both, upload
both to a fresh pypiserver on 127.0.0.1 (started before the clock starts). Every run works on
a fresh copy of the project and a fresh packages folder. Goal: ours ≤ {goal}.

```console
ours: PY_RELEASE_PASSWORD=… $PY -m py_release publish --project-dir P --packages-dir D \\
        --repository-url $URL --user uploader --attestations false --audit off
peer: {PEER_SCRIPT.format(installer="").replace(chr(10), chr(10) + "      ")}
```

The dependency audit is off in every benchmark: it reads PyPI's JSON API on the internet
(one lookup per package, `concurrency` at a time), which no peer does and which this machine
reaches only through a proxy. The second peer is the same with
`python -m build --installer uv`. The third is the fastest peer, uv's own commands, which
check nothing before the upload (issue 15's goal: ours ≤ {UV_GOAL_RATIO}{TIMES} of it, with
every other check on):

```console
{UV_SCRIPT}
```

Installers: ours builds
in isolated environments made by **{ours_installer}**
(`py_release.distributions.build.pick_installer`: uv when the `uv` package or binary is
there, as in the action's lock); `python -m build` uses **pip** unless told `--installer uv`.
uv saved {uv_saving}. pip's settings (listed under Machine) decide where pip fetches
hatchling from; uv ignores them and fetches from PyPI.

Both build the wheel from the sdist (`python -m build` does when given neither `--sdist` nor
`--wheel`), but ours builds both in one isolated environment where `python -m build` makes one
per step. Ours also does more in the same command: it checks the sdist for unsafe members,
checks the metadata as twine's strict check plus PyPI's own rules, asks the index what it
already has before uploading, and reads both files back to compare their hashes after it
(`verify-upload` is on by default).

**What bounds it.** Building dominates: creating an isolated environment and installing
hatchling into it (ours once, the peer twice; that is where uv beats pip), then the backend
hooks. Ours runs a step's two hooks (requirements, then build) in one interpreter, so hatchling
is imported once per step; `python -m build` and uv start one interpreter per hook. The peer
starts three Python programs (build, twine check, twine upload), ours one, which imports the
later stages in a background thread while the backend runs.

**The floor, and where ours spends its time.** `uv build` alone took {_median(uv_build)} s in
this run: that is the build part of the fastest peer (its `uv publish` of two small files to a
loopback index is the rest of its {_median(uv_native)} s). Installing hatchling into a fresh
environment asks PyPI whether its cached copies are current, which both ours and uv do, so the
network's latency is in both figures. Ours, timed by its own log lines in {TIMELINE_RUNS} more
runs after the rounds (medians; "the build" ends when the check starts):

{timeline}
"""
    return Section("P1 — release of the sample project", comparisons, body)
