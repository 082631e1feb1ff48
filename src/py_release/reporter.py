"""How the pipeline talks to the person watching: one interface, two implementations.

``py_release.github.runner.ActionsReporter`` speaks GitHub's workflow commands and file
commands; ``TerminalReporter`` here writes plain lines for a laptop or another CI. Both replace
every known secret with ``***`` in whatever they print, as a second line of defence behind
``Secret``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol, TextIO

from py_release.secrets import Secret


class Reporter(Protocol):
    verbose: bool
    # Step outputs or summary that could not be written (file commands), each named once.
    write_failures: list[str]
    # Seconds between two progress updates of long work (the first comes after one such
    # interval), or None where no progress is shown.
    progress_interval: float | None

    def mask(self, secret: Secret) -> None:
        """Announce a secret before it is used, so the runner hides it from every log line."""

    def info(self, message: str) -> None: ...

    def detail(self, message: str) -> None:
        """A line shown only when verbose."""

    def warning(self, message: str, title: str | None = None) -> None: ...

    def error(self, message: str, title: str | None = None) -> None: ...

    def fail(self, message: str, hint: str) -> None:
        """Say why the run failed and how to fix it: ``error:`` and ``hint:`` lines."""

    def group(self, title: str) -> AbstractContextManager[None]:
        """A context manager folding the lines written inside it."""

    def progress(self, text: str | None) -> None:
        """Show how far long work has come (``text`` holds no text from outside); None ends
        the display."""

    def set_output(self, name: str, value: str) -> None: ...

    def write_summary(self, markdown: str) -> None: ...


MIN_REDACTED = 4
# A terminal's status line: redrawn a few times a second, erased before each log line.
STATUS_INTERVAL = 0.25
_CLEAR_LINE = "\r\033[K"


class Redacting:
    """Replaces every secret it was told of with ``***``: the reporters' second line of
    defence behind ``Secret``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def _remember(self, secret: Secret) -> None:
        value = secret.reveal()
        # Replacing every "0" of a password "0" would corrupt every output (the files JSON
        # among them) and hide nothing: no value this short is a credential worth guessing.
        if len(value) >= MIN_REDACTED:
            self._secrets.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, "***")
        return text


class TerminalReporter(Redacting):
    """Plain lines: progress on stderr, the summary on stdout. On a terminal, long work shows
    a status line below the log, redrawn in place.

    Lines come from several threads (the uploads): each is written whole, under a lock, so
    two never run into one another."""

    def __init__(self, *, verbose: bool, out: TextIO | None = None, err: TextIO | None = None):
        super().__init__()
        self.verbose = verbose
        self._out = out
        self._err = err
        self.outputs: dict[str, str] = {}
        self.write_failures: list[str] = []
        on_terminal = (err or sys.stderr).isatty()
        self.color = "NO_COLOR" not in os.environ and on_terminal
        self.progress_interval: float | None = STATUS_INTERVAL if on_terminal else None
        self._lock = threading.Lock()
        self._status = ""

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def _line(self, text: str, stream: TextIO | None = None) -> None:
        stream = stream or self.err
        with self._lock:
            if self._status:
                self.err.write(_CLEAR_LINE)
                self.err.flush()
            stream.write(text + "\n")
            stream.flush()
            if self._status:
                self.err.write(self._status)
                self.err.flush()

    def mask(self, secret: Secret) -> None:
        self._remember(secret)

    def info(self, message: str) -> None:
        self._line(self.redact(message))

    def detail(self, message: str) -> None:
        if self.verbose:
            self.info(message)

    def warning(self, message: str, title: str | None = None) -> None:
        prefix = self._paint("warning:", "33")
        head = f"{title}: " if title else ""
        self._line(f"{prefix} {self.redact(head + message)}")

    def error(self, message: str, title: str | None = None) -> None:
        prefix = self._paint("error:", "31")
        head = f"{title}: " if title else ""
        self._line(f"{prefix} {self.redact(head + message)}")

    def fail(self, message: str, hint: str) -> None:
        prefix, hint_prefix = self._paint("error:", "31"), self._paint("hint:", "36")
        self._line(self.redact(f"{prefix} {message}\n{hint_prefix} {hint}"))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self._line(self._paint(f"== {self.redact(title)}", "1"))
        yield

    def progress(self, text: str | None) -> None:
        if self.progress_interval is None:
            return
        with self._lock:
            self._status = self._paint(self.redact(text), "2") if text else ""
            self.err.write(_CLEAR_LINE + self._status)
            self.err.flush()

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = self.redact(value)

    def write_summary(self, markdown: str) -> None:
        self._line(self.redact(markdown), self.out)


def reporter_from_environ(environ: Mapping[str, str], *, verbose: bool) -> Reporter:
    """Pick the reporter for where we run: GitHub Actions (or act), else a terminal."""
    if environ.get("GITHUB_ACTIONS") == "true":
        output = environ.get("GITHUB_OUTPUT")
        summary = environ.get("GITHUB_STEP_SUMMARY")
        from py_release.github.runner import ActionsReporter

        return ActionsReporter(
            verbose=verbose,
            output_path=Path(output) if output else None,
            summary_path=Path(summary) if summary else None,
            echo_summary=environ.get("ACT") == "true",
        )
    return TerminalReporter(verbose=verbose)


class LogBridge(logging.Handler):
    """Sends the log records of the libraries we call (urllib3's retries, sigstore, pypi-simple)
    and Python's warnings through the reporter: otherwise Python prints them to stderr as they
    are, outside the reporter's redaction and escaping, and they can carry an index's words."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.WARNING)
        self._reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        self._reporter.detail(f"{record.name}: {message}")


@contextmanager
def libraries_logging_to(reporter: Reporter) -> Iterator[None]:
    """For the block, library log records and warnings go through ``reporter``."""
    bridge = LogBridge(reporter)
    root = logging.getLogger()
    # twine's "Received 500 ... Retry 1 of 1" repeats what our uploader says about the attempt.
    twine = logging.getLogger("twine")
    twine_level = twine.level
    twine.setLevel(logging.ERROR)
    root.addHandler(bridge)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(bridge)
        twine.setLevel(twine_level)
