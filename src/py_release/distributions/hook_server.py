"""Run as a script by ``hook_runner`` in the isolated build environment: serves pyproject-hooks'
own hook script (``_in_process.py``, its path the first argument) for several hooks in one
interpreter, so a step's backend modules are imported once.

Only the standard library is used: this runs in the build environment, where none of
py-release is installed. Each request is one JSON line ``{"hook": ..., "control_dir": ...}``
on the protocol channel (the first line is the end mark); after each hook the end mark and
its exit code are written on a line of their own to stdout, after the backend's output.
"""

import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import TextIO


def _without_own_folder() -> None:
    # Python puts this script's folder first on sys.path; it holds py-release's modules
    # (build.py among them), which must never shadow what the backend imports.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]


def _protocol_channel() -> TextIO:
    # The requests come on stdin; the backend must not read them. The channel moves to a new,
    # non-inheritable descriptor and stdin becomes the null device, as for a one-shot hook.
    channel = os.fdopen(os.dup(0), "r", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = Path(os.devnull).open(encoding="utf-8")  # noqa: SIM115 -- as long as the process
    return channel


def _serve(script: str) -> int:
    spec = importlib.util.spec_from_file_location("_py_release_in_process", script)
    if spec is None or spec.loader is None:
        print(f"cannot load the hook script {script}", file=sys.stderr)
        return 2
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    channel = _protocol_channel()
    mark = channel.readline().strip()
    for line in channel:
        request = json.loads(line)
        sys.argv = [script, request["hook"], request["control_dir"]]
        code = 0
        try:
            hooks.main()
        except SystemExit as stop:
            # As an interpreter exits: None is 0, a number itself, anything else printed and 1.
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
            if stop.code is not None and not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 -- the backend's failure, reported as a one-shot hook's would be
            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        sys.stdout.flush()
        print(f"{mark} {code}", flush=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    _without_own_folder()
    sys.exit(_serve(sys.argv[1]))
