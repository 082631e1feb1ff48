"""How far the uploads have come, in files and bytes, for the reporter's progress display.

The upload threads report each file's bytes as the request body is read; the display is
updated at most once per the reporter's interval, and not at all before the first interval
has passed, so a quick upload shows nothing but its per-file lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from py_release.distributions.files import DistFile
from py_release.reporter import Reporter
from py_release.sizes import format_size


class UploadProgress:
    def __init__(
        self,
        dists: Sequence[DistFile],
        reporter: Reporter,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sizes = {dist.name: dist.size for dist in dists}
        self._total = sum(self._sizes.values())
        self._sent: dict[str, int] = {}
        self._settled: set[str] = set()
        self._reporter = reporter
        self._interval = reporter.progress_interval
        self._clock = clock
        self._started = clock()
        self._shown_at: float | None = None
        self._lock = threading.Lock()

    def sent(self, name: str, bytes_read: int, body_length: int) -> None:
        """``bytes_read`` of the ``body_length`` bytes of ``name``'s upload request are out.
        The body is the file and its form fields: the share is counted against the file's
        size. A new attempt starts the file's count again."""
        size = self._sizes.get(name, 0)
        share = size * bytes_read // body_length if body_length else 0
        with self._lock:
            self._sent[name] = min(size, share)
        self._maybe_show()

    def settled(self, name: str) -> None:
        """``name`` is done with: uploaded, skipped or failed."""
        with self._lock:
            self._settled.add(name)
            self._sent[name] = self._sizes.get(name, 0)
        self._maybe_show()

    def text(self) -> str:
        with self._lock:
            settled, sent = len(self._settled), sum(self._sent.values())
        elapsed = max(self._clock() - self._started, 1e-9)
        return (
            f"upload: {settled} of {len(self._sizes)} files, {format_size(sent)} of "
            f"{format_size(self._total)} sent ({format_size(sent / elapsed)}/s)"
        )

    def close(self) -> None:
        """End the display, if it was shown."""
        if self._shown_at is not None:
            self._reporter.progress(None)

    def _maybe_show(self) -> None:
        if self._interval is None:
            return
        now = self._clock()
        with self._lock:
            last = self._started if self._shown_at is None else self._shown_at
            if now - last < self._interval:
                return
            self._shown_at = now
        self._reporter.progress(self.text())
