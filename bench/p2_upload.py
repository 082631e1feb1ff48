"""P2: upload 40 ready wheels (~1 MiB each) to pypiserver through the fault proxy, which holds
every request (uploads and reads alike) for 300 ms (and again for 50 ms) before passing it on;
ours with its defaults (every check on, the default concurrency) vs `twine upload` and
`uv publish`; and ours at each concurrency, the measurement the default is chosen from."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness import (
    PYTHON,
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
    link_or_copy,
    measure,
    run_rounds,
)
from wheels import platform_wheels

from py_release.inputs import parsed_default
from tests.faultproxy import Fault, FaultProxy, every
from tests.pypiserver import PypiServer

FILES = 40
PAYLOAD = 1 << 20
DEFAULT_CONCURRENCY = int(str(parsed_default("concurrency")))
SWEEP = (1, 2, 4, 8, 16)
DELAYS = (0.3, 0.05)
GOAL_RATIO = 0.30
Who = Literal["ours", "twine", "uv"]


@dataclass
class Requests:
    """What the proxy saw in ours's last measured run: its round trips."""

    reads: int = 0
    uploads: int = 0


def _command(
    who: Who, packages: Path, url: str, user: str, concurrency: int | None = None
) -> list[str]:
    if who == "ours":
        # The defaults: every check on (verify-metadata, verify-upload, the index query), the
        # default concurrency; attestations need Trusted Publishing, which a password run
        # cannot use.
        flags = ["--concurrency", str(concurrency)] if concurrency is not None else []
        return [
            PYTHON, "-m", "py_release", "publish", "--build", "false", "--attestations", "false",
            "--audit", "off",
            *flags, "--packages-dir", str(packages), "--repository-url", url, "--user", user,
        ]  # fmt: skip
    files = sorted(str(p) for p in packages.iterdir())
    if who == "uv":
        return [PYTHON, "-m", "uv", "publish", "--quiet", "--publish-url", url, "-u", user, *files]
    return [
        PYTHON, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", url, "-u", user, *files,
    ]  # fmt: skip


def _trial(
    who: Who,
    wheels: list[Path],
    delay: float,
    *,
    concurrency: int | None = None,
    seen: Requests | None = None,
) -> Trial:
    def trial(scratch: Path) -> Run:
        packages = scratch / "dist"
        packages.mkdir()
        for wheel in wheels:
            link_or_copy(wheel, packages / wheel.name)
        with (
            PypiServer(root=scratch / "index", threaded=True) as index,
            FaultProxy(index.url, every(Fault(delay=delay))) as proxy,
        ):
            secret = index.password.reveal()
            variable = {"ours": "PY_RELEASE_PASSWORD", "twine": "TWINE_PASSWORD",
                        "uv": "UV_PUBLISH_PASSWORD"}[who]  # fmt: skip
            command = _command(who, packages, proxy.url, index.user, concurrency)
            run = measure([command], env=clean_env({variable: secret}), log=scratch / "log")
            on_index = {path.name for path in index.packages.iterdir()}
            if on_index != {wheel.name for wheel in wheels}:
                raise BenchError(f"{len(on_index)} of {len(wheels)} files on the index")
            posts = [request for request in proxy.seen if request.method == "POST"]
            if len(posts) != len(wheels) or any(r.upstream_status != 200 for r in posts):
                raise BenchError(f"expected {len(wheels)} uploads answered 200, saw {posts[:3]}")
            if seen is not None:
                seen.uploads = len(posts)
                seen.reads = len(proxy.seen) - len(posts)
        return run

    return trial


def floor(delay: float, files: int, concurrency: int, reads: int = 0) -> float:
    """The time the proxy's delay alone imposes: each read waited for (``reads``), the first
    file alone (it creates the project), then the rest ``concurrency`` at a time."""
    return delay * (reads + 1 + math.ceil((files - 1) / concurrency))


def waited_reads(reads: int) -> int:
    """Of ours's reads, those the run waits for: the query's read runs beside the check of
    the files (py_release.index.query.read_listing_ahead), the verify's after the upload."""
    return max(reads - 1, 0)


def run(ctx: Context) -> Section:
    ctx.say(f"P2: writing {FILES} wheels of {PAYLOAD >> 20} MiB")
    wheels = platform_wheels(ctx.work / "wheels", FILES, PAYLOAD)
    comparisons: list[Comparison] = []
    uv_comparisons: list[Comparison] = []
    requests_seen: list[Requests] = []
    for delay in DELAYS:
        ms = round(delay * 1000)
        key = f"P2 {ms} ms"
        ours, twine = Side(f"ours (defaults: concurrency {DEFAULT_CONCURRENCY})"), Side("twine")
        goal = f"ours/peer ≤ {GOAL_RATIO}" if delay == DELAYS[0] else "(report only)"
        comparison = Comparison(
            key,
            f"upload {FILES} {TIMES} {PAYLOAD >> 20} MiB wheels, {ms} ms per request",
            "seconds",
            ours,
            twine,
            goal=goal,
            goal_ratio=GOAL_RATIO if delay == DELAYS[0] else None,
        )
        uv = Side("uv publish")
        seen = Requests()
        requests_seen.append(seen)
        entries = [
            (ours, _trial("ours", wheels, delay, seen=seen)),
            (twine, _trial("twine", wheels, delay)),
            (uv, _trial("uv", wheels, delay)),
        ]
        run_rounds(key, "seconds", entries, ctx)
        comparisons.append(comparison)
        uv_comparisons.append(
            Comparison(f"P2-uv {ms} ms", f"the same, against uv publish, {ms} ms per request",
                       "seconds", ours, uv, goal="(report only)", goal_ratio=None)
        )  # fmt: skip
    sweep = _sweep(wheels, ctx)
    return Section(
        "P2 — 40 wheels through a slow index",
        [*comparisons, *uv_comparisons],
        _body(comparisons, requests_seen, sweep),
    )


Sweep = dict[float, dict[int, Side]]


def _sweep(wheels: list[Path], ctx: Context) -> Sweep:
    """Ours at each concurrency of ``SWEEP``, for each delay: where more at a time stops
    paying. Fewer rounds than the comparisons (the figures only have to rank)."""
    sweep: Sweep = {}
    rounds = Context(max(2, ctx.repetitions // 2), 0, ctx.work, ctx.say)
    for delay in DELAYS:
        sides = {c: Side(f"concurrency {c}") for c in SWEEP}
        entries = [(sides[c], _trial("ours", wheels, delay, concurrency=c)) for c in SWEEP]
        run_rounds(f"P2 sweep {round(delay * 1000)} ms", "seconds", entries, rounds)
        sweep[delay] = sides
    return sweep


def _sweep_table(sweep: Sweep, reads: int) -> str:
    header = "| concurrency | " + " | ".join(
        f"{round(d * 1000)} ms: median s | floor s" for d in sweep
    )
    rows = [header + " |", "|---:|" + "---:|---:|" * len(sweep)]
    for c in SWEEP:
        cells = []
        for delay, sides in sweep.items():
            stats = sides[c].stats("seconds")
            median = fmt(stats.median) if stats else "failed"
            cells.append(f"{median} | {fmt(floor(delay, FILES, c, reads))}")
        rows.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _gain(sweep: Sweep, delay: float, low: int, high: int) -> str:
    a, b = sweep[delay][low].stats("seconds"), sweep[delay][high].stats("seconds")
    if not a or not b:
        return "not measured"
    return f"{fmt(a.median - b.median)} s ({(1 - b.median / a.median) * 100:.0f}%)"


def _body(comparisons: list[Comparison], seen: list[Requests], sweep: Sweep) -> str:
    reads = statistics.median_low([s.reads for s in seen]) if seen else 0
    waited = waited_reads(reads)
    lines = []
    for delay, c in zip(DELAYS, comparisons, strict=True):
        ours_floor = floor(delay, FILES, DEFAULT_CONCURRENCY, waited)
        twine_floor = delay * FILES
        ours, peer, ratio = (
            c.ours.stats("seconds"),
            c.peer.stats("seconds") if c.peer else None,
            c.ratio(),
        )
        rounds = round(ours_floor / delay)
        line = (
            f"- **{round(delay * 1000)} ms**: the delay alone costs ours ≥ {fmt(ours_floor)} s "
            f"({waited} read + 1 + ⌈{FILES - 1}/{DEFAULT_CONCURRENCY}⌉ = {rounds} round trips) "
            f"and twine ≥ {fmt(twine_floor)} s ({FILES}): ideal ratio "
            f"{ours_floor / twine_floor:.3f}{TIMES} before start-up."
        )
        if ours and peer and ratio is not None:
            line += (
                f" Measured: ours {fmt(ours.median)} s ({fmt(ours.median - ours_floor)} s over "
                f"its floor), twine {fmt(peer.median)} s ({fmt(peer.median - twine_floor)} s "
                f"over), ratio {ratio:.2f}{TIMES}."
            )
        lines.append(line)
    bounds = "\n".join(lines)
    high = SWEEP[-1]
    return f"""\
{FILES} valid wheels of one release (`py_release_bench 1.0.0`, one per interpreter and platform
tag, e.g. `…-cp312-cp312-manylinux_2_17_x86_64.whl`), each with 1 MiB of stored random data
(`bench/wheels.py`, using the test suite's metadata and RECORD makers). Each run uploads them to
a fresh pypiserver through `tests/faultproxy.py`, which holds **every request** (`every(Fault(
delay=…))`) for the delay before forwarding it: an index far away pays the latency on reads as
on uploads, and PyPI spends about 300 ms per upload on its side. Every run checks that exactly
the {FILES} files arrived, each in one POST answered 200.

```console
ours:  PY_RELEASE_PASSWORD=… $PY -m py_release publish --build false --attestations false \\
         --packages-dir D --repository-url $PROXY --user uploader
twine: TWINE_PASSWORD=… $PY -m twine upload --non-interactive --disable-progress-bar \\
         --repository-url $PROXY -u uploader D/*.whl
uv:    UV_PUBLISH_PASSWORD=… $PY -m uv publish --quiet --publish-url $PROXY -u uploader D/*.whl
```

Ours runs with its defaults: every check of the files (PyPI's rules, twine's strict metadata
check, integrity), the index query before the upload, `verify-upload` after it, and the default
concurrency ({DEFAULT_CONCURRENCY}). twine and uv check nothing and read nothing. In the last
run, ours made {reads} reads (the query before the upload and the verify after) and {FILES}
uploads.

**What bounds it.** twine and uv send one file after another, so they pay the delay {FILES}
times. Ours reads the index twice: the query's read starts as soon as the file names are known
and runs beside the check of the files, so the run waits only for the verify's read after the
upload; it sends the first file alone (on a new project it creates the project), then the rest
{DEFAULT_CONCURRENCY} at a time. What is left over the floor is work on this machine's 2 cores:
ours's start and its checks of 40 MiB (about 0.5 s, which twine and uv do not do), and moving
every 1 MiB body through the proxy and pypiserver (waitress, 4 threads), which all three pay.

{bounds}

**The default concurrency.** Ours at each concurrency, every check on ("floor": the delay alone,
with the {waited} read waited for):

{_sweep_table(sweep, waited)}

From 4 to 8 at a time saves {_gain(sweep, 0.3, 4, 8)} at 300 ms and {_gain(sweep, 0.05, 4, 8)}
at 50 ms; from 8 to {high}, {_gain(sweep, 0.3, 8, high)} and {_gain(sweep, 0.05, 8, high)}.
The default, {DEFAULT_CONCURRENCY}, is where doubling stops paying at both latencies: past it the
gain at 300 ms is smaller than from 4 to 8 and at 50 ms there is none (the uploads then wait on this
machine's 2 cores, not on the network). A release of a few files uploads them all at once
anyway, and on a large release more connections only share the same upstream bandwidth (PyPI
has no per-upload rate limit); `concurrency` raises it for an index far away.
"""
