"""P1: release examples/sample-project (build, check, upload to a fresh local pypiserver), ours
vs `python -m build && twine check && twine upload`, with build's default installer (pip) and
with `--installer uv` (what ours uses when uv is there, so the difference uv makes shows)."""

from __future__ import annotations

import shutil
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
Who = Literal["ours", "pip", "uv", "uv-native"]

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


def _command(who: Who, project: Path, packages: Path, index: PypiServer) -> list[str]:
    if who == "ours":
        return [
            PYTHON, "-m", "py_release", "publish", "--project-dir", str(project),
            "--packages-dir", str(packages), "--repository-url", index.url,
            "--user", index.user, "--attestations", "false",
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
            uploaded = sorted(path.name for path in index.packages.iterdir())
            if len(uploaded) != 2:
                raise BenchError(f"expected an sdist and a wheel on the index, found {uploaded}")
        return run

    return trial


def run(ctx: Context) -> Section:
    ours_installer = pick_installer()
    ours = Side(f"ours (build envs: {ours_installer})")
    with_pip, with_uv = Side("build (pip) + twine"), Side("build --installer uv + twine")
    uv_native = Side("uv build + uv publish")
    run_rounds(
        "P1",
        "seconds",
        [(ours, _trial("ours")), (with_pip, _trial("pip")), (with_uv, _trial("uv")),
         (uv_native, _trial("uv-native"))],
        ctx,
    )  # fmt: skip
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
        --repository-url $URL --user uploader --attestations false
peer: {PEER_SCRIPT.format(installer="").replace(chr(10), chr(10) + "      ")}
```

The second peer is the same with `python -m build --installer uv`. The third is the fastest
peer, uv's own commands, which check nothing before the upload (issue 15's goal: ours ≤
{UV_GOAL_RATIO}{TIMES} of it, with every check on):

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
hatchling into it (ours once, the peer twice; that is where uv beats pip), then each backend
hook in a fresh interpreter. The peer starts three Python programs (build, twine
check, twine upload), ours one, which imports the later stages in a background thread while
the backend runs. Uploading two small files to a loopback index takes well under 0.1 s.

**The gap to `uv build && uv publish`.** A stage-timer run of ours (separate from this run,
same machine, 2026-12-03) put the first build step at 0.21 s after start (imports of build,
the configuration, the audit), the sdist step at 0.75 to 0.85 s (`uv pip install hatchling` into
the isolated environment about 0.3 s, the two hooks 0.25 s and 0.30 s), the wheel from the
sdist at about 0.3 s, then check 0.014 s, query 0.01 s, upload 0.03 s and verify 0.01 s. uv
build runs the same four backend hooks in two environments of its own, so the remaining
0.1 to 0.2 s is our start before the first hook and our environment set-up against uv's; every
check after the build together costs under 0.1 s.
"""
    return Section("P1 — release of the sample project", comparisons, body)
