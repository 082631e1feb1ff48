"""P4: peak RSS while uploading one 500 MB wheel to a local pypiserver, ours vs twine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from harness import (
    PYTHON,
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
from wheels import make_wheel

from tests.pypiserver import PypiServer

SIZE = 500 * 10**6
GOAL_MIB = 150.0


def _ours(index: PypiServer, packages: Path) -> list[str]:
    return [
        PYTHON, "-m", "py_release", "publish", "--build", "false", "--attestations", "false",
        "--audit", "off", "--max-file-size", "1GiB", "--packages-dir", str(packages),
        "--repository-url", index.url, "--user", index.user,
    ]  # fmt: skip


def _peer(index: PypiServer, wheel: Path) -> list[str]:
    return [
        PYTHON, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", index.url, "-u", index.user, str(wheel),
    ]  # fmt: skip


def _trial(wheel: Path, which: Literal["ours", "twine"]) -> Trial:
    def trial(scratch: Path) -> Run:
        packages = scratch / "dist"
        packages.mkdir()
        link_or_copy(wheel, packages / wheel.name)
        with PypiServer(root=scratch / "index") as index:
            secret = index.password.reveal()
            if which == "ours":
                env = clean_env({"PY_RELEASE_PASSWORD": secret})
                command = _ours(index, packages)
            else:
                env = clean_env({"TWINE_PASSWORD": secret})
                command = _peer(index, packages / wheel.name)
            run = measure([command], env=env, log=scratch / "log", timeout=300)
            stored = index.packages / wheel.name
            if not stored.exists() or stored.stat().st_size != wheel.stat().st_size:
                raise BenchError(f"{wheel.name} is not on the index whole after the upload")
        return run

    return trial


def run(ctx: Context) -> Section:
    ctx.say(f"P4: writing a {SIZE // 10**6} MB wheel of random data")
    wheel = make_wheel(ctx.work, tag="py3-none-any", payload_bytes=SIZE)
    comparison = Comparison(
        "P4",
        f"peak RSS uploading one {SIZE // 10**6} MB wheel",
        "rss_mib",
        Side("ours"),
        Side("twine"),
        goal=f"ours < {GOAL_MIB:.0f} MiB",
        goal_value=GOAL_MIB,
    )
    assert comparison.peer is not None
    run_rounds(
        "P4",
        "rss_mib",
        [(comparison.ours, _trial(wheel, "ours")), (comparison.peer, _trial(wheel, "twine"))],
        ctx,
    )
    ours, peer = comparison.ours.stats("seconds"), comparison.peer.stats("seconds")
    body = f"""\
One wheel of {SIZE // 10**6} MB ({SIZE / 2**20:.0f} MiB) of stored random data, written once in
1 MiB chunks (`bench/wheels.py`), hard-linked into a fresh packages folder, uploaded to a fresh
pypiserver per run. The figure is the peak resident set of the largest process the command
started (`getrusage(RUSAGE_CHILDREN).ru_maxrss` in a wrapper around it), so pypiserver's memory
is not counted.

```console
ours:  PY_RELEASE_PASSWORD=… $PY -m py_release publish --build false --attestations false \\
         --audit off --max-file-size 1GiB --packages-dir D --repository-url $URL --user uploader
twine: TWINE_PASSWORD=… $PY -m twine upload --non-interactive --disable-progress-bar \\
         --repository-url $URL -u uploader D/{wheel.name}
```

Ours runs the whole pipeline as a release would (metadata check, upload plan, upload, reading
the file back to compare its hash); twine only uploads. Wall time, same runs:
ours {ours.text("s") if ours else "—"}, twine {peer.text("s") if peer else "—"}.

**What bounds it.** Both stream the file from disk (twine's `requests_toolbelt`
`MultipartEncoder` reads it in blocks), so the peak does not grow with the file: what is left
is the interpreter with the imported libraries (requests, twine, rich, and for ours also the
check and attestation libraries) plus the socket and hashing buffers. The goal is
< {fmt(GOAL_MIB)} MiB for ours.
"""
    return Section("P4 — memory while uploading a 500 MB file", [comparison], body)
