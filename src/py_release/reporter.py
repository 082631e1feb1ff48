"""How the pipeline talks to the person watching: one interface, two implementations.

``ActionsReporter`` speaks GitHub's workflow commands and file commands (through
``actions-toolkit`` where it is correct, our own code for the job summary, which it lacks);
``TerminalReporter`` writes plain lines for a laptop or another CI. Both replace every known
secret with ``***`` in whatever they print, as a second line of defence behind ``Secret``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol, TextIO

from actions_toolkit import core as actions_core
from actions_toolkit.command import issue_command
from actions_toolkit.file_command import prepare_key_value_message

from py_release.secrets import Secret

# GitHub refuses step summaries over 1 MiB; stay clear of it.
SUMMARY_LIMIT = 1000 * 1024


class Reporter(Protocol):
    verbose: bool

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

    def set_output(self, name: str, value: str) -> None: ...

    def write_summary(self, markdown: str) -> None: ...


class _Redacting:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def _remember(self, secret: Secret) -> None:
        value = secret.reveal()
        if value:
            self._secrets.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, "***")
        return text


def _fit_summary(markdown: str) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= SUMMARY_LIMIT:
        return markdown
    cut = data[:SUMMARY_LIMIT].decode("utf-8", errors="ignore")
    return cut + "\n\n_(summary cut at GitHub's 1 MiB limit)_\n"


class ActionsReporter(_Redacting):
    """Workflow commands on stdout, outputs and summary through the runner's files."""

    def __init__(
        self,
        *,
        verbose: bool,
        output_path: Path | None,
        summary_path: Path | None,
        echo_summary: bool,
    ) -> None:
        super().__init__()
        self.verbose = verbose
        self.output_path = output_path
        self.summary_path = summary_path
        # act never renders the step summary, so under act we print it to the log as well.
        self.echo_summary = echo_summary

    def mask(self, secret: Secret) -> None:
        if not secret:
            return
        self._remember(secret)
        for line in secret.reveal().splitlines():
            # A multi-line secret must be masked line by line: the runner masks per command.
            if line.strip():
                actions_core.set_secret(line)

    def info(self, message: str) -> None:
        actions_core.info(self.redact(message))

    def detail(self, message: str) -> None:
        if self.verbose:
            self.info(message)
        else:
            actions_core.debug(self.redact(message))

    def _annotate(self, kind: str, message: str, title: str | None) -> None:
        # actions-toolkit's error()/warning() emit every annotation property, empty ones too;
        # issue_command lets us send only the title.
        properties = {"title": self.redact(title)} if title else {}
        issue_command(kind, properties, self.redact(message))

    def warning(self, message: str, title: str | None = None) -> None:
        self._annotate("warning", message, title)

    def error(self, message: str, title: str | None = None) -> None:
        self._annotate("error", message, title)

    def fail(self, message: str, hint: str) -> None:
        self._annotate("error", f"{message}\nhint: {hint}", "py-release")
        print(self.redact(f"error: {message}\nhint: {hint}"), file=sys.stderr)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        actions_core.start_group(self.redact(title))
        try:
            yield
        finally:
            actions_core.end_group()

    def set_output(self, name: str, value: str) -> None:
        if self.output_path is None:
            self.detail(f"output {name}={value}")
            return
        # A heredoc with a random delimiter, so a value can hold newlines and '=' safely.
        entry = prepare_key_value_message(name, self.redact(value))
        with self.output_path.open("a", encoding="utf-8", newline="") as outputs:
            outputs.write(entry + os.linesep)

    def write_summary(self, markdown: str) -> None:
        text = _fit_summary(self.redact(markdown))
        if self.summary_path is not None:
            with self.summary_path.open("a", encoding="utf-8") as summary:
                summary.write(text)
                if not text.endswith("\n"):
                    summary.write("\n")
        if self.echo_summary or self.summary_path is None:
            with self.group("Job summary (act does not show summaries)"):
                self.info(text)


class TerminalReporter(_Redacting):
    """Plain lines: progress on stderr, the summary on stdout."""

    def __init__(self, *, verbose: bool, out: TextIO | None = None, err: TextIO | None = None):
        super().__init__()
        self.verbose = verbose
        self._out = out
        self._err = err
        self.outputs: dict[str, str] = {}
        self.color = "NO_COLOR" not in os.environ and (err or sys.stderr).isatty()

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def mask(self, secret: Secret) -> None:
        self._remember(secret)

    def info(self, message: str) -> None:
        print(self.redact(message), file=self.err)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.info(message)

    def warning(self, message: str, title: str | None = None) -> None:
        prefix = self._paint("warning:", "33")
        head = f"{title}: " if title else ""
        print(f"{prefix} {self.redact(head + message)}", file=self.err)

    def error(self, message: str, title: str | None = None) -> None:
        prefix = self._paint("error:", "31")
        head = f"{title}: " if title else ""
        print(f"{prefix} {self.redact(head + message)}", file=self.err)

    def fail(self, message: str, hint: str) -> None:
        prefix, hint_prefix = self._paint("error:", "31"), self._paint("hint:", "36")
        print(self.redact(f"{prefix} {message}\n{hint_prefix} {hint}"), file=self.err)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        print(self._paint(f"== {self.redact(title)}", "1"), file=self.err)
        yield

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = self.redact(value)

    def write_summary(self, markdown: str) -> None:
        print(self.redact(markdown), file=self.out)


def reporter_from_environ(environ: Mapping[str, str], *, verbose: bool) -> Reporter:
    """Pick the reporter for where we run: GitHub Actions (or act), else a terminal."""
    if environ.get("GITHUB_ACTIONS") == "true":
        output = environ.get("GITHUB_OUTPUT")
        summary = environ.get("GITHUB_STEP_SUMMARY")
        return ActionsReporter(
            verbose=verbose,
            output_path=Path(output) if output else None,
            summary_path=Path(summary) if summary else None,
            echo_summary=environ.get("ACT") == "true",
        )
    return TerminalReporter(verbose=verbose)
