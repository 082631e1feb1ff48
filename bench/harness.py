"""What every benchmark shares: running a measured command in a fresh process (wall time and
peak RSS of its children), running ours and the peer alternately, statistics, Markdown.

Only public tools: ``time.perf_counter`` for wall time, and ``resource.getrusage
(RUSAGE_CHILDREN).ru_maxrss`` read by a small wrapper process around each measured command, so
that every run gets its own peak (the largest single process it started, in KiB on Linux).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
if (
    str(REPO) not in sys.path
):  # the benchmarks reuse tests/faultproxy.py and tests/unit/artefacts.py
    sys.path.insert(1, str(REPO))
Metric = Literal["seconds", "rss_mib"]
DASH, TIMES = "\u2013", "\u00d7"  # en dash and multiplication sign, for the tables

# Runs the steps one after another in the caller's environment, stops at the first failure,
# and prints one JSON line: wall seconds, exit code, peak RSS of any child (KiB on Linux).
_WRAPPER = """
import json, resource, subprocess, sys, time
spec = json.loads(sys.argv[1])
code = 0
with open(spec["log"], "ab") as log:
    start = time.perf_counter()
    for step in spec["steps"]:
        code = subprocess.run(step, cwd=spec["cwd"], stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode
        if code:
            break
    seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "returncode": code, "rss_kib": rss}))
"""


class BenchError(Exception):
    """A trial could not be run or its result is wrong; the message says why."""


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mib: float
    returncode: int = 0
    parts: tuple[tuple[str, float], ...] = ()  # named components of ``seconds``, if any

    def value(self, metric: Metric) -> float:
        return self.seconds if metric == "seconds" else self.rss_mib


# Dropped from every measured command's environment: runner variables (py-release would act as
# a GitHub Action), credentials, and interpreter switches a runner does not set
# (PYTHONDONTWRITEBYTECODE would keep a uv-made venv from ever caching bytecode,
# PYTHONUNBUFFERED would hide the output buffering a runner's pipe sees).
DROPPED = ("INPUT_", "GITHUB_", "ACTIONS_", "RUNNER_", "PY_RELEASE_", "TWINE_", "PYTHON")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the variables in ``DROPPED`` (and CI), plus
    ``extra``."""
    dropped = DROPPED
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and k != "CI"}
    env["NO_COLOR"] = "1"
    return env | dict(extra or {})


def tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.strip().splitlines()[-lines:])


def measure(
    steps: Sequence[Sequence[str]],
    *,
    env: Mapping[str, str],
    log: Path,
    cwd: Path | None = None,
    timeout: float = 300,
) -> Run:
    """Run ``steps`` in a fresh wrapper process; raise ``BenchError`` (with the output's tail)
    when a step fails."""
    spec = {"steps": [list(step) for step in steps], "cwd": str(cwd or REPO), "log": str(log)}
    try:
        result = subprocess.run(
            [PYTHON, "-c", _WRAPPER, json.dumps(spec)],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out after {timeout:.0f} s:\n{tail(log)}") from exc
    if result.returncode != 0:
        raise BenchError(f"the measuring wrapper failed: {result.stderr.strip()[-500:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if data["returncode"] != 0:
        raise BenchError(f"exit {data['returncode']}:\n{tail(log)}")
    return Run(float(data["seconds"]), int(data["rss_kib"]) / 1024, 0)


@dataclass(frozen=True)
class Stats:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values))

    def text(self, unit: str) -> str:
        return f"{fmt(self.median)} {unit} ({fmt(self.low)}{DASH}{fmt(self.high)})"


def fmt(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


@dataclass
class Side:
    name: str
    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    def stats(self, metric: Metric) -> Stats | None:
        return Stats.of([run.value(metric) for run in self.runs]) if self.runs else None


Trial = Callable[[Path], Run]  # sets up in the scratch folder it is given, measures, checks


@dataclass
class Comparison:
    key: str  # "P1", "P2 300 ms", ...
    title: str
    metric: Metric
    ours: Side
    peer: Side | None
    goal: str = ""
    goal_ratio: float | None = None  # ours/peer at most this
    goal_value: float | None = None  # ours at most this (seconds or MiB)
    notes: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return "s" if self.metric == "seconds" else "MiB"

    def ratio(self) -> float | None:
        """Median of the per-pair ratios ours/peer (pairs ran back to back)."""
        if self.peer is None or not self.ours.runs or not self.peer.runs:
            return None
        pairs = zip(self.ours.runs, self.peer.runs, strict=False)
        return statistics.median(o.value(self.metric) / p.value(self.metric) for o, p in pairs)

    def met(self) -> str:
        ours, ratio = self.ours.stats(self.metric), self.ratio()
        checks: list[bool] = []
        if self.goal_ratio is not None and ratio is not None:
            checks.append(ratio <= self.goal_ratio)
        if self.goal_value is not None and ours is not None:
            checks.append(ours.median <= self.goal_value)
        if not checks:
            return "n/a"
        return "yes" if all(checks) else "no"


@dataclass(frozen=True)
class Context:
    """What ``bench/run.py`` gives each benchmark."""

    repetitions: int
    warmups: int
    work: Path  # scratch folder for inputs shared by the benchmark's trials
    say: Callable[[str], None]


@dataclass
class Section:
    """A benchmark's result: its comparisons and the Markdown that explains them."""

    heading: str
    comparisons: list[Comparison]
    body: str


def run_rounds(
    key: str, metric: Metric, entries: Sequence[tuple[Side, Trial]], ctx: Context
) -> None:
    """Run every entry once per round, ``ctx.warmups`` unrecorded rounds first; the order
    rotates every round, so that drift hits every side alike. A side that fails is recorded
    (its error) and not run again; the others go on."""
    unit = "s" if metric == "seconds" else "MiB"
    for round_no in range(ctx.warmups + ctx.repetitions):
        shift = round_no % len(entries)
        figures: list[str] = []
        for side, trial in [*entries[shift:], *entries[:shift]]:
            if side.error is not None:
                continue
            with tempfile.TemporaryDirectory(prefix="py-release-bench-") as scratch:
                try:
                    run = trial(Path(scratch))
                except BenchError as exc:
                    side.error = str(exc)
                    ctx.say(f"  {key} {side.name}: FAILED: {exc}")
                    continue
            if round_no >= ctx.warmups:
                side.runs.append(run)
            figures.append(f"{side.name} {fmt(run.value(metric))} {unit}")
        label = "warm-up" if round_no < ctx.warmups else f"run {round_no - ctx.warmups + 1}"
        ctx.say(f"  {key} {label}: " + ", ".join(figures))


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link (instant, no page-cache churn) where the file system allows, else copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def summary_table(comparisons: Sequence[Comparison]) -> str:
    span = f"median (min{DASH}max)"
    rows = [
        f"| | benchmark | ours: {span} | peer: {span} | ours/peer | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        ours, peer = c.ours.stats(c.metric), c.peer.stats(c.metric) if c.peer else None
        ratio = c.ratio()
        rows.append(
            f"| {c.key} | {c.title} | {cell(ours, c.ours.error, c.unit)} | "
            f"{cell(peer, c.peer.error if c.peer else None, c.unit) if c.peer else '—'} | "
            f"{f'{ratio:.2f}{TIMES}' if ratio is not None else '—'} | {c.goal or '—'} | {c.met()} |"
        )
    return "\n".join(rows)


def cell(stats: Stats | None, error: str | None, unit: str) -> str:
    if error is not None:
        return "**failed** (see below)"
    return stats.text(unit) if stats else "—"


def runs_table(c: Comparison) -> str:
    """Every measured run, seconds and peak RSS, side by side."""
    peer_runs = c.peer.runs if c.peer else []
    rows = ["| run | ours s | ours MiB | peer s | peer MiB |", "|---|---|---|---|---|"]
    for i in range(max(len(c.ours.runs), len(peer_runs))):
        cells = [str(i + 1)]
        for runs in (c.ours.runs, peer_runs):
            run = runs[i] if i < len(runs) else None
            rss = fmt(run.rss_mib) if run and run.rss_mib else "—"  # 0: not measured (P3)
            cells += [fmt(run.seconds), rss] if run else ["—", "—"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def errors_text(c: Comparison) -> str:
    parts = []
    for side in (c.ours, c.peer):
        if side is not None and side.error is not None:
            parts.append(f"**{side.name} failed:**\n\n```text\n{side.error}\n```")
    return "\n\n".join(parts)
