"""Errors a user can cause, each with a hint that says how to fix it.

The CLI prints ``error: <message>`` and ``hint: <hint>`` and exits 1 for any of these; any
other exception is a bug and exits 2. Messages are built only from values that are safe to
print: a secret never reaches an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ReleaseError(Exception):
    """A failure the user can fix; ``hint`` says how.

    Raised as is where none of the more specific errors fits.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(ReleaseError):
    """An input (or its flag) has a value we cannot use."""

    def __init__(self, input_name: str, message: str, hint: str) -> None:
        super().__init__(f"input '{input_name}': {message}", hint)
        self.input_name = input_name


class InputErrors(ReleaseError):
    """Several inputs are wrong; all are reported at once."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        lines = [f"{len(errors)} inputs are invalid:"]
        lines += [f"  - {e.message}" for e in errors]
        hints = "\n".join(f"  - {e.input_name}: {e.hint}" for e in errors)
        super().__init__("\n".join(lines), "fix each input:\n" + hints)
        self.errors = list(errors)


class BuildError(ReleaseError):
    """The project could not be built into an sdist and a wheel."""


class NoDistributionsError(ReleaseError):
    """There is nothing to upload."""


@dataclass(frozen=True)
class Problem:
    """One reason a distribution would be refused, found before anything is uploaded."""

    file: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


class CheckFailed(ReleaseError):
    """One or more distributions fail the checks; every problem is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"the distributions have {count} {noun}; nothing was uploaded:"]
        lines += [f"  - {p}" for p in problems]
        hints: list[str] = []
        for p in problems:
            if p.hint not in hints:
                hints.append(p.hint)
        super().__init__("\n".join(lines), "\n".join(hints))
        self.problems = list(problems)


class IndexQueryError(ReleaseError):
    """The index could not tell us what it already holds."""


class ExistingFilesError(ReleaseError):
    """Files of this release already exist on the index."""


class UploadError(ReleaseError):
    """The index refused an upload or could not be reached."""


class AuthenticationError(UploadError):
    """The index refused our credentials."""


class TrustedPublishingError(ReleaseError):
    """The job's identity could not be exchanged for an upload token."""
