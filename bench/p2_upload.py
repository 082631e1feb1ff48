"""P2: upload 40 ready wheels (~1 MiB each) to pypiserver through the fault proxy, which holds
every upload POST for 300 ms (and again for 50 ms) before passing it on; ours at the default
concurrency vs `twine upload`."""

from __future__ import annotations

import math
import subprocess
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
    link_or_copy,
    measure,
    run_rounds,
)
from wheels import platform_wheels

from tests.faultproxy import Fault, FaultProxy, uploads_only
from tests.pypiserver import PypiServer

FILES = 40
PAYLOAD = 1 << 20
CONCURRENCY = 4
DELAYS = (0.3, 0.05)
GOAL_RATIO = 0.30
Who = Literal["ours", "twine", "uv"]


def concurrency_flag_missing() -> str | None:
    """Why ours cannot run P2 (no ``--concurrency`` yet), or None."""
    result = subprocess.run(
        [PYTHON, "-m", "py_release", "publish", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=clean_env(),
    )
    if "--concurrency" in result.stdout:
        return None
    return (
        "`py-release publish` has no --concurrency flag yet (the concurrent uploader of "
        "issue 6 has not landed); P2 measured the peer only"
    )


def _command(who: Who, packages: Path, url: str, user: str) -> list[str]:
    if who == "ours":
        return [
            PYTHON, "-m", "py_release", "publish", "--build", "false",
            "--verify-metadata", "false", "--verify-upload", "false", "--attestations", "false",
            "--concurrency", str(CONCURRENCY), "--packages-dir", str(packages),
            "--repository-url", url, "--user", user,
        ]  # fmt: skip
    files = sorted(str(p) for p in packages.iterdir())
    if who == "uv":
        return [PYTHON, "-m", "uv", "publish", "--quiet", "--publish-url", url, "-u", user, *files]
    return [
        PYTHON, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", url, "-u", user, *files,
    ]  # fmt: skip


def _trial(who: Who, wheels: list[Path], delay: float) -> Trial:
    def trial(scratch: Path) -> Run:
        packages = scratch / "dist"
        packages.mkdir()
        for wheel in wheels:
            link_or_copy(wheel, packages / wheel.name)
        with (
            PypiServer(root=scratch / "index") as index,
            FaultProxy(index.url, uploads_only(Fault(delay=delay))) as proxy,
        ):
            secret = index.password.reveal()
            variable = {"ours": "PY_RELEASE_PASSWORD", "twine": "TWINE_PASSWORD",
                        "uv": "UV_PUBLISH_PASSWORD"}[who]  # fmt: skip
            command = _command(who, packages, proxy.url, index.user)
            run = measure([command], env=clean_env({variable: secret}), log=scratch / "log")
            on_index = {path.name for path in index.packages.iterdir()}
            if on_index != {wheel.name for wheel in wheels}:
                raise BenchError(f"{len(on_index)} of {len(wheels)} files on the index")
            posts = [seen for seen in proxy.seen if seen.method == "POST"]
            if len(posts) != len(wheels) or any(seen.upstream_status != 200 for seen in posts):
                raise BenchError(f"expected {len(wheels)} uploads answered 200, saw {posts[:3]}")
        return run

    return trial


def floor(delay: float, files: int, concurrency: int) -> float:
    """The upload time the proxy's delay alone imposes: the first file alone (it creates the
    project), then the rest ``concurrency`` at a time."""
    return delay * (1 + math.ceil((files - 1) / concurrency))


def run(ctx: Context) -> Section:
    ctx.say(f"P2: writing {FILES} wheels of {PAYLOAD >> 20} MiB")
    wheels = platform_wheels(ctx.work / "wheels", FILES, PAYLOAD)
    missing = concurrency_flag_missing()
    comparisons: list[Comparison] = []
    uv_comparisons: list[Comparison] = []
    for delay in DELAYS:
        ms = round(delay * 1000)
        key = f"P2 {ms} ms"
        ours, twine = Side(f"ours (concurrency {CONCURRENCY})"), Side("twine")
        if missing:
            ours.error = missing
        goal = f"ours/peer ≤ {GOAL_RATIO}" if delay == DELAYS[0] else "(report only)"
        comparison = Comparison(
            key,
            f"upload {FILES} {TIMES} {PAYLOAD >> 20} MiB wheels, {ms} ms per upload",
            "seconds",
            ours,
            twine,
            goal=goal,
            goal_ratio=GOAL_RATIO if delay == DELAYS[0] else None,
        )
        uv = Side("uv publish")
        entries = [
            (ours, _trial("ours", wheels, delay)),
            (twine, _trial("twine", wheels, delay)),
            (uv, _trial("uv", wheels, delay)),
        ]
        run_rounds(key, "seconds", entries, ctx)
        comparisons.append(comparison)
        uv_comparisons.append(
            Comparison(f"P2-uv {ms} ms", f"the same, against uv publish, {ms} ms per upload",
                       "seconds", ours, uv, goal="(report only)", goal_ratio=None)
        )  # fmt: skip
    return Section(
        "P2 — 40 wheels through a slow index", [*comparisons, *uv_comparisons], _body(comparisons)
    )


def _body(comparisons: list[Comparison]) -> str:
    lines = []
    for delay, c in zip(DELAYS, comparisons, strict=True):
        ours_floor, twine_floor = floor(delay, FILES, CONCURRENCY), delay * FILES
        ours, peer, ratio = (
            c.ours.stats("seconds"),
            c.peer.stats("seconds") if c.peer else None,
            c.ratio(),
        )
        line = (
            f"- **{round(delay * 1000)} ms**: the delay alone costs ours ≥ {fmt(ours_floor)} s "
            f"(1 + ⌈{FILES - 1}/{CONCURRENCY}⌉ = {round(ours_floor / delay)} rounds) and twine "
            f"≥ {fmt(twine_floor)} s ({FILES} rounds): ideal ratio "
            f"{ours_floor / twine_floor:.3f}{TIMES} before start-up."
        )
        if ours and peer and ratio is not None:
            line += (
                f" Measured: ours {fmt(ours.median)} s ({fmt(ours.median - ours_floor)} s over "
                f"its floor), twine {fmt(peer.median)} s ({fmt(peer.median - twine_floor)} s "
                f"over), ratio {ratio:.2f}{TIMES}."
            )
            if c.goal_ratio is not None:
                budget = c.goal_ratio * peer.median - ours_floor
                line += (
                    f" To reach {c.goal_ratio}{TIMES} against this twine, ours would have to "
                    f"finish within {fmt(budget)} s of its floor."
                )
        lines.append(line)
    bounds = "\n".join(lines)
    return f"""\
{FILES} valid wheels of one release (`py_release_bench 1.0.0`, one per interpreter and platform
tag, e.g. `…-cp312-cp312-manylinux_2_17_x86_64.whl`), each with 1 MiB of stored random data
(`bench/wheels.py`, using the test suite's metadata and RECORD makers). Each run uploads them to
a fresh pypiserver through `tests/faultproxy.py`, which holds every upload POST
(`uploads_only(Fault(delay=…))`) for the delay before forwarding it, as PyPI spends about
300 ms per upload on its side; reads pass at once. Every run checks that exactly the {FILES}
files arrived.

```console
ours:  PY_RELEASE_PASSWORD=… $PY -m py_release publish --build false --verify-metadata false \\
         --verify-upload false --attestations false --concurrency {CONCURRENCY} \\
         --packages-dir D --repository-url $PROXY --user uploader
twine: TWINE_PASSWORD=… $PY -m twine upload --non-interactive --disable-progress-bar \\
         --repository-url $PROXY -u uploader D/*.whl
uv:    UV_PUBLISH_PASSWORD=… $PY -m uv publish --quiet --publish-url $PROXY -u uploader D/*.whl
```

**What bounds it.** twine sends one file after another, so it pays the delay {FILES} times.
Ours sends the first file alone (on a new project it creates the project), then the rest
{CONCURRENCY} at a time, so the delay is paid 1 + ⌈{FILES - 1}/{CONCURRENCY}⌉ times: the ratio
tends to about 1/concurrency, plus each side's start-up (imports, reading and hashing the files,
asking the index what it already has) and the index's own time per file. pypiserver runs on
wsgiref here, which answers one request at a time: the proxy holds the uploads of a round
concurrently, but the index then takes them one after another, so a round costs the delay plus
{CONCURRENCY} times the index's time per 1 MiB file.

{bounds}
"""
