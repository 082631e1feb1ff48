"""When and how long to wait before sending a file again: pure rules, tested by table."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from urllib3.util.retry import Retry


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


@cache
def _urllib3_retry() -> Retry:
    """Only its Retry-After parser is used: our own loop decides about attempts, because after
    a lost answer it must first ask the index whether the file arrived. Made when first needed,
    as urllib3 is, which the first stages of a run do not need."""
    from urllib3.util.retry import Retry

    return Retry(0)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds, or an HTTP date counted from now,
    never below 0); None if absent or not readable."""
    if not value or not value.strip():
        return None
    from urllib3.exceptions import InvalidHeader

    try:
        return float(_urllib3_retry().parse_retry_after(value.strip()))
    except InvalidHeader:
        return None


def is_transient(status: int | None) -> bool:
    """No answer at all (connection error, timeout), 429 and 5xx are worth another attempt."""
    return status is None or status == 429 or 500 <= status < 600
