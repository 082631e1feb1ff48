"""When to send a file again, and after how long."""

from __future__ import annotations

import email.utils
import random
import time

import pytest

from py_release.index.retry import RetryPolicy, is_transient, parse_retry_after


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (None, True),  # no answer: connection error, reset, timeout
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (599, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (409, False),
        (413, False),
    ],
)
def test_which_answers_are_worth_another_attempt(status: int | None, transient: bool) -> None:
    assert is_transient(status) is transient


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    # urllib3 counts a date from the real clock; HTTP dates have whole seconds.
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert parse_retry_after(when) == pytest.approx(30, abs=1.5)
    assert parse_retry_after(email.utils.formatdate(10, usegmt=True)) == 0.0
    assert parse_retry_after("²") is None


def test_backoff_grows_with_full_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # the jitter spans the whole window


def test_the_index_asking_for_a_pause_is_honoured_within_reason() -> None:
    policy = RetryPolicy(max_delay=10.0)
    rng = random.Random(1)
    assert policy.delay(1, "3", rng) == 3.0
    assert policy.delay(1, "3600", rng) == 30.0  # bounded: three times the longest backoff
