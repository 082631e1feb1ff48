"""``twine check --strict`` through twine's own code, its findings collected as problems."""

from __future__ import annotations

import contextlib
import io
import logging

from twine.commands.check import check as twine_check
from twine.exceptions import TwineException

from py_release.distributions.files import DistFile
from py_release.errors import Problem

_HINT = (
    'set a README that renders on PyPI: `readme = "README.md"` in [project] '
    "(its content type is then set for you)"
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


def strict_twine_check(dist: DistFile) -> list[Problem]:
    """Run twine's check with warnings as failures; every finding becomes a Problem."""
    collector = _Collect()
    logger = logging.getLogger("twine")
    logger.addHandler(collector)
    printed = io.StringIO()
    try:
        # twine prints its verdict with rich; keep it out of our log, its log records say why.
        with contextlib.redirect_stdout(printed):
            failed = twine_check([str(dist.path)], strict=True)
    except TwineException as exc:
        return [Problem(dist.name, f"twine check: {exc}", _HINT)]
    finally:
        logger.removeHandler(collector)
    if not failed:
        return []
    reasons = collector.messages or [printed.getvalue().strip() or "failed"]
    return [Problem(dist.name, f"twine check --strict: {reason}", _HINT) for reason in reasons]
