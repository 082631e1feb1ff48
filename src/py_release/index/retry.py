"""When and how long to wait before sending a file again: pure rules, tested by table."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    total: float = 300.0
    # (connect, read) seconds for one upload request: a stalled index must not hang a release.
    timeout: tuple[float, float] = (10.0, 180.0)

    def delay(self, attempt: int, retry_after: str | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_delay * 3)
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def is_transient(status: int | None) -> bool:
    """No answer at all (connection error, timeout), 429 and 5xx are worth another attempt."""
    return status is None or status == 429 or 500 <= status < 600
