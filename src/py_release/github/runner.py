"""The reporter for a GitHub Actions runner (and act): workflow commands on stdout, step
outputs and the job summary through the runner's files. ``actions-toolkit`` does the commands
where it is correct; the job summary, which it lacks, is our own."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from actions_toolkit import core as actions_core
from actions_toolkit.command import issue_command
from actions_toolkit.file_command import prepare_key_value_message

from py_release.github.log_text import inert
from py_release.reporter import Redacting
from py_release.secrets import Secret

# GitHub refuses step summaries over 1 MiB; stay clear of it.
SUMMARY_LIMIT = 1000 * 1024
# Seconds between two progress lines of long work in the job log.
PROGRESS_INTERVAL = 10.0


def fit_summary(markdown: str) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= SUMMARY_LIMIT:
        return markdown
    cut = data[:SUMMARY_LIMIT].decode("utf-8", errors="ignore")
    return cut + "\n\n_(summary cut at GitHub's 1 MiB limit)_\n"


def _line_buffered(stream: object) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(line_buffering=True)


class ActionsReporter(Redacting):
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
        self.write_failures: list[str] = []
        # A job log is read afterwards, or followed live in a browser: a plain line now and
        # then, never a redrawn one.
        self.progress_interval: float | None = PROGRESS_INTERVAL
        # The runner reads stdout through a pipe, which Python buffers by the block: the log
        # would show nothing until the end, and the error on stderr (line-buffered) above the
        # lines and ::add-mask:: commands written before it. Every line goes out whole, now.
        _line_buffered(sys.stdout)

    def _append(self, path: Path, text: str, what: str) -> bool:
        """Append to a file-command file; a failure is named once (as an annotation, since the
        step's outputs are what is missing) and remembered, never raised: the run's result is
        still reported."""
        try:
            with path.open("a", encoding="utf-8", newline="") as stream:
                stream.write(text)
        except OSError as exc:
            note = f"cannot write {what} to {path}: {exc.strerror or type(exc).__name__}"
            if note not in self.write_failures:
                self.write_failures.append(note)
                self._annotate("error", note, "file command")
            return False
        return True

    def mask(self, secret: Secret) -> None:
        if not secret:
            return
        self._remember(secret)
        for line in secret.reveal().splitlines():
            # A multi-line secret must be masked line by line: the runner masks per command.
            if line.strip():
                actions_core.set_secret(line)

    def info(self, message: str) -> None:
        # Every plain line may carry text from outside: made inert before it reaches the log.
        actions_core.info(inert(self.redact(message)))

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
        print(inert(self.redact(f"error: {message}\nhint: {hint}")), file=sys.stderr)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        actions_core.start_group(self.redact(title))
        try:
            yield
        finally:
            actions_core.end_group()

    def progress(self, text: str | None) -> None:
        if text:
            self.info(text)

    def set_output(self, name: str, value: str) -> None:
        if self.output_path is None:
            self.detail(f"output {name}={value}")
            return
        # A heredoc with a random delimiter, so a value can hold newlines and '=' safely.
        entry = prepare_key_value_message(name, self.redact(value))
        self._append(self.output_path, entry + os.linesep, "the step outputs")

    def write_summary(self, markdown: str) -> None:
        text = fit_summary(self.redact(markdown))
        written = self.summary_path is not None and self._append(
            self.summary_path, text if text.endswith("\n") else text + "\n", "the job summary"
        )
        if self.echo_summary or not written:
            with self.group("Job summary (act does not show summaries)"):
                self.info(text)
