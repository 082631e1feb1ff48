"""How the build stage runs a backend's hooks: with their output read by us, and a step's two
hooks in one interpreter.

pyproject-hooks starts an interpreter per hook, and each imports the backend afresh: on the
sample project (hatchling) that import is about half of every hook. A step asks the backend for
its requirements (``get_requires_for_build_*``), then builds (``build_*``) in the same folder;
this runner keeps the first hook's interpreter for the second, which no library offers, so it
is written here (``hook_server`` is the other end). The interpreter is not kept, and the build
hook gets a fresh one, as PEP 517 recommends, when:

- the first hook asked for requirements that were not installed yet: the backend must import
  them in a fresh interpreter, after the install (``restart``);
- the backend is setuptools, whose hooks execute the project's setup.py, which may change
  anything in the process;
- the folder, the interpreter or the environment of the hook differ (the wheel from the sdist
  builds in the unpacked sdist).

A hook's output never reaches the log unread: each line goes through ``log`` (the reporter,
which makes it inert), or nowhere when ``log`` is None; the last lines are kept for the error.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import secrets
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

Log = Callable[[str], None]

TAIL_LINES = 25
_SERVER_SCRIPT = str(Path(__file__).with_name("hook_server.py"))
_Key = tuple[str, str, str | None, tuple[tuple[str, str], ...]]


def _start(
    cmd: Sequence[str], cwd: str | None, extra_environ: Mapping[str, str] | None, *, stdin: int
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **(extra_environ or {})},
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        encoding="utf-8",
        errors="replace",
    )


class _Output:
    """A hook's output: each line to ``log`` (or nowhere), the last ones kept for the error."""

    def __init__(self, log: Log | None) -> None:
        self._log = log
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)

    def add(self, line: str) -> None:
        self._tail.append(line)
        if self._log is not None:
            self._log(line)

    def failure(self, code: int, cmd: Sequence[str]) -> subprocess.CalledProcessError:
        return subprocess.CalledProcessError(code, list(cmd), output="\n".join(self._tail))


class _Interpreter:
    """One hook server: an interpreter that runs hooks on request until its stdin closes."""

    def __init__(self, key: _Key, cwd: str | None, extra_environ: Mapping[str, str] | None) -> None:
        python, script = key[0], key[1]
        self.key = key
        self._mark = f"py-release-hook-end-{secrets.token_hex(16)}"
        self._process = _start(
            [python, _SERVER_SCRIPT, script], cwd, extra_environ, stdin=subprocess.PIPE
        )
        self._send(self._mark)

    def _send(self, line: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()

    def call(self, cmd: Sequence[str], log: Log | None) -> None:
        """Run the hook of ``cmd`` (pyproject-hooks' ``[python, script, hook, control_dir]``)
        and read its output up to the end mark."""
        output = _Output(log)
        code: int | None = None
        # When the interpreter is gone, its output and exit code below say why.
        with contextlib.suppress(OSError):
            self._send(json.dumps({"hook": cmd[2], "control_dir": cmd[3]}))
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.rstrip("\r\n")
            # The backend's last line may lack its newline: the mark then ends that line.
            before, marked, code_text = line.partition(self._mark + " ")
            if marked:
                line = before
                code = int(code_text)
            if line or not marked:
                output.add(line)
            if marked:
                break
        if code is None:
            code = self._process.wait() or 1
        if code:
            self.end().wait()
            raise output.failure(code, cmd)

    def end(self) -> subprocess.Popen[str]:
        """Ask the interpreter to exit (its stdin closes) without waiting for it to."""
        with contextlib.suppress(OSError):
            assert self._process.stdin is not None
            self._process.stdin.close()
        assert self._process.stdout is not None
        self._process.stdout.close()
        return self._process


class HookRunner:
    """A pyproject-hooks subprocess runner that keeps a step's interpreter between hooks."""

    def __init__(self, log: Log | None) -> None:
        self._log = log
        self._live: _Interpreter | None = None
        self._ending: list[subprocess.Popen[str]] = []
        self._shared = False

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        if not self._shared or len(cmd) != 4:
            self.restart()
            self._run_once(cmd, cwd, extra_environ)
            return
        key: _Key = (cmd[0], cmd[1], cwd, tuple(sorted((extra_environ or {}).items())))
        if self._live is None or self._live.key != key:
            self.restart()
            self._live = _Interpreter(key, cwd, extra_environ)
        live = self._live
        try:
            live.call(cmd, self._log)
        except subprocess.CalledProcessError:
            self._live = None
            raise

    @contextlib.contextmanager
    def step(self, *, shared: bool) -> Iterator[None]:
        """The hooks called in the block share an interpreter when ``shared``; it is closed
        when the block ends."""
        self._shared = shared
        try:
            yield
        finally:
            self._shared = False
            self.restart()

    def restart(self) -> None:
        """The next hook runs in a fresh interpreter. The last one's exit is not waited for
        here: it takes as long as a hook's start, and overlaps what comes next."""
        if self._live is not None:
            live, self._live = self._live, None
            self._ending.append(live.end())

    def close(self) -> None:
        """End the interpreter and wait for every one to exit: the build environment they run
        from is removed next (which Windows refuses while they run)."""
        self.restart()
        for process in self._ending:
            process.wait()
        self._ending.clear()

    def _run_once(
        self, cmd: Sequence[str], cwd: str | None, extra_environ: Mapping[str, str] | None
    ) -> None:
        output = _Output(self._log)
        with _start(cmd, cwd, extra_environ, stdin=subprocess.DEVNULL) as process:
            assert process.stdout is not None
            for raw in process.stdout:
                output.add(raw.rstrip("\r\n"))
        if process.returncode:
            raise output.failure(process.returncode, cmd)


def hooks_may_share_an_interpreter(build_backend: str) -> bool:
    """False for setuptools, whose every hook runs the project's setup.py."""
    return build_backend.partition(".")[0].partition(":")[0] != "setuptools"
