"""Run the benchmarks of issue 6 (P1-P4) and rewrite BENCHMARKS.md with the figures.

Each benchmark runs ours and its peer alternately in the same run, on this machine, against
the same kind of local index: one warm-up round, then ``--repetitions`` measured rounds. A
benchmark that fails is reported in BENCHMARKS.md (and on stderr) without stopping the others.

Usage: bench/run [--only P1,P2] [--repetitions 5] [--output BENCHMARKS.md] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import PYTHON, REPO, TIMES, Context, Section, errors_text, runs_table, summary_table

BENCHMARKS = {"P1": "p1_release", "P2": "p2_upload", "P3": "p3_start", "P4": "p4_memory"}
NEEDED = ("py-release", "twine", "build", "pypiserver", "passlib", "packaging", "requests")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def missing_tools() -> list[str]:
    missing = []
    for name in NEEDED:
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def version_of(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def pip_settings() -> str:
    """The names (never the values: an index URL can hold a token) of the pip settings in
    effect, which decide where the pip-based runs download from."""
    result = subprocess.run(
        [PYTHON, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    )
    names = {line.split("=", 1)[0] for line in result.stdout.splitlines() if "=" in line}
    names = {name for name in names if not name.startswith(":env:")}
    names |= {key for key in os.environ if key.startswith("PIP_")}
    return ", ".join(sorted(names)) or "none (pip's defaults: PyPI)"


def machine() -> str:
    tools = ", ".join(
        f"{name} {version_of(name)}" for name in ("pip", "uv", "build", "twine", "pypiserver")
    )
    return "\n".join(
        [
            f"- CPU: {os.cpu_count()} {TIMES} {cpu_model()}",
            f"- Memory: {memory_gib()}",
            f"- OS: {platform.platform()}",
            f"- Python: {platform.python_version()} ({PYTHON})",
            f"- Tools in that environment: {tools}",
            f"- pip settings in effect (names only): {pip_settings()}; uv reads none of them",
        ]
    )


def failed_section(key: str, exc: BaseException) -> Section:
    detail = "".join(traceback.format_exception(exc)).strip()[-3000:]
    return Section(f"{key} — failed", [], f"The benchmark did not run:\n\n```text\n{detail}\n```\n")


def render(sections: Sequence[Section], started: datetime.datetime, seconds: float) -> str:
    comparisons = [c for section in sections for c in section.comparisons]
    parts = [
        "# Benchmarks",
        "",
        f"Written by `bench/run` on {started:%Y-%m-%d %H:%M} UTC; the whole run took "
        f"{seconds / 60:.1f} min. Re-run with `bench/run` on a fresh clone (it uses "
        "`.venv/bin/python` when there is one: `python3 -m venv .venv && .venv/bin/pip install "
        "-e '.[dev]'`). Every figure is measured here, in this run; nothing is asserted in the "
        "tests.",
        "",
        "Method: for each benchmark ours and the peer run alternately (the order flips every "
        "round) against a fresh local index per run, one warm-up round, then the measured "
        "rounds. Wall time is `time.perf_counter()` around the command, peak memory is "
        "`getrusage(RUSAGE_CHILDREN).ru_maxrss` in a wrapper process around it. The ratio is "
        "the median of the per-round ratios ours/peer. Measured commands run without the "
        "runner's variables (`GITHUB_*`, `INPUT_*`, ...) and without `PYTHON*` switches such "
        "as `PYTHONDONTWRITEBYTECODE`, which a runner does not set.",
        "",
        "## Machine",
        "",
        machine(),
        "",
        "## Summary",
        "",
        summary_table(comparisons),
        "",
    ]
    for section in sections:
        parts += [f"## {section.heading}", "", section.body.strip(), ""]
        for comparison in section.comparisons:
            parts += [f"Runs of {comparison.key} ({comparison.title}):", "", runs_table(comparison)]
            parts += ["", errors_text(comparison), ""] if errors_text(comparison) else [""]
    return "\n".join(parts).rstrip() + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="e.g. P1,P3")
    parser.add_argument("--repetitions", type=int, default=5, help="measured rounds (5)")
    parser.add_argument("--warmups", type=int, default=1, help="unrecorded rounds first (1)")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the Markdown instead")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    keys = [key.strip().upper() for key in args.only.split(",") if key.strip()]
    unknown = [key for key in keys if key not in BENCHMARKS]
    if unknown:
        say(
            f"error: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
        return 2
    if missing := missing_tools():
        say(
            f"error: {PYTHON} lacks {', '.join(missing)}. Make the repository's venv first: "
            "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'"
        )
        return 2
    started, clock = datetime.datetime.now(datetime.UTC), time.perf_counter()
    sections: list[Section] = []
    for key in keys:
        say(f"== {key} ({time.perf_counter() - clock:.0f} s so far)")
        try:
            module = importlib.import_module(BENCHMARKS[key])
            benchmark: Callable[[Context], Section] = module.run
            with tempfile.TemporaryDirectory(prefix=f"py-release-bench-{key}-") as work:
                ctx = Context(args.repetitions, args.warmups, Path(work), say)
                sections.append(benchmark(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not stop the rest
            say(f"error: {key} failed: {exc!r}")
            sections.append(failed_section(key, exc))
    seconds = time.perf_counter() - clock
    markdown = render(sections, started, seconds)
    say(f"== done in {seconds / 60:.1f} min")
    failures = [
        c.key for s in sections for c in s.comparisons if c.ours.error or (c.peer and c.peer.error)
    ]
    failures += [s.heading for s in sections if not s.comparisons]
    if failures:
        say(f"error: failed: {', '.join(failures)} (details in the report)")
    if args.no_write:
        print(markdown)
    else:
        args.output.write_text(markdown, encoding="utf-8")
        say(f"wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
