"""The upload's progress display: files and bytes, a redrawn status line on a terminal, a
plain line now and then under Actions, nothing in a log file; and log lines written whole
from any number of threads."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from py_release.distributions.files import DistFile
from py_release.github.runner import PROGRESS_INTERVAL, ActionsReporter
from py_release.index.progress import UploadProgress
from py_release.reporter import STATUS_INTERVAL, TerminalReporter

CLEAR = "\r\033[K"


@pytest.fixture(autouse=True)
def no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _dists(folder: Path, sizes: dict[str, int]) -> list[DistFile]:
    paths = []
    for name, size in sizes.items():
        path = folder / name
        path.write_bytes(b"x" * size)
        paths.append(DistFile(path))
    return paths


def _tty_reporter() -> tuple[TerminalReporter, Tty]:
    err = Tty()
    return TerminalReporter(verbose=False, out=io.StringIO(), err=err), err


def test_progress_counts_files_and_bytes_and_waits_one_interval(tmp_path: Path) -> None:
    reporter, err = _tty_reporter()
    clock = Clock()
    dists = _dists(tmp_path, {"a-1-py3-none-any.whl": 3 << 20, "a-1.tar.gz": 1 << 20})
    progress = UploadProgress(dists, reporter, clock=clock)

    progress.sent("a-1-py3-none-any.whl", 50, 100)  # before the first interval: nothing
    assert err.getvalue() == ""
    clock.now += STATUS_INTERVAL
    progress.sent("a-1-py3-none-any.whl", 100, 200)  # half of the body: half of the file
    assert err.getvalue().endswith("upload: 0 of 2 files, 1.5 MiB of 4.0 MiB sent (6.0 MiB/s)")
    clock.now += STATUS_INTERVAL / 2
    progress.settled("a-1-py3-none-any.whl")  # within the interval: not redrawn
    assert "1 of 2" not in err.getvalue()
    clock.now += STATUS_INTERVAL
    progress.sent("a-1.tar.gz", 0, 100)  # a new attempt starts the file from nothing
    assert err.getvalue().endswith("upload: 1 of 2 files, 3.0 MiB of 4.0 MiB sent (4.8 MiB/s)")

    progress.close()
    assert err.getvalue().endswith(CLEAR)


def test_a_quick_upload_shows_no_progress_and_leaves_nothing_to_clear(tmp_path: Path) -> None:
    reporter, err = _tty_reporter()
    dists = _dists(tmp_path, {"a-1.tar.gz": 10})
    progress = UploadProgress(dists, reporter, clock=Clock())
    progress.sent("a-1.tar.gz", 10, 10)
    progress.settled("a-1.tar.gz")
    progress.close()
    assert err.getvalue() == ""


def test_a_log_line_erases_the_status_line_and_redraws_it_below() -> None:
    reporter, err = _tty_reporter()
    reporter.progress("upload: 1 of 3 files")
    reporter.info("a-1.tar.gz: uploaded")
    reporter.progress(None)
    status = "upload: 1 of 3 files"
    assert err.getvalue() == (f"{CLEAR}{status}{CLEAR}a-1.tar.gz: uploaded\n{status}{CLEAR}")


def test_a_log_file_gets_no_progress() -> None:
    err = io.StringIO()
    reporter = TerminalReporter(verbose=False, out=io.StringIO(), err=err)
    assert reporter.progress_interval is None
    reporter.progress("upload: 1 of 3 files")
    reporter.info("a line")
    assert err.getvalue() == "a line\n"


def test_under_actions_progress_is_a_plain_line_every_few_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter = ActionsReporter(
        verbose=False, output_path=None, summary_path=None, echo_summary=False
    )
    clock = Clock()
    dists = _dists(tmp_path, {"a-1-py3-none-any.whl": 2 << 20, "a-1.tar.gz": 2 << 20})
    progress = UploadProgress(dists, reporter, clock=clock)
    progress.sent("a-1.tar.gz", 1, 2)
    clock.now += PROGRESS_INTERVAL - 1
    progress.settled("a-1.tar.gz")
    clock.now += 1
    progress.sent("a-1-py3-none-any.whl", 1, 4)
    progress.close()
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["upload: 1 of 2 files, 2.5 MiB of 4.0 MiB sent (256.0 KiB/s)"]


def test_lines_from_many_threads_are_written_whole() -> None:
    reporter, err = _tty_reporter()
    reporter.progress("upload: status")
    start = threading.Barrier(8)

    def talk(number: int) -> None:
        start.wait()
        for line in range(200):
            reporter.info(f"thread {number} line {line}: uploaded")

    threads = [threading.Thread(target=talk, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reporter.progress(None)
    status = "upload: status"
    lines = err.getvalue().replace(CLEAR, "\n").replace(status, "").split("\n")
    said = [line for line in lines if line]
    assert sorted(said) == sorted(
        f"thread {n} line {line}: uploaded" for n in range(8) for line in range(200)
    )
