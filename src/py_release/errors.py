"""Errors a user can cause, each with a hint that says how to fix it.

The CLI prints ``error: <message>``, ``hint: <hint>`` and ``more: <the README's entry>`` and
exits 1 for any of these; any other exception is a bug and exits 2. Messages are built only
from values that are safe to print: a secret never reaches an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


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


def troubleshooting_url(error: ReleaseError) -> str:
    """The README's Troubleshooting entry for the error's class (each class has one, a
    ``### `ClassName``` heading; tests/unit/test_troubleshooting.py keeps it so)."""
    from py_release.workflow.pins import ACTION_REPOSITORY

    # A subclass made outside py_release (a plug-in, a test) is documented by its nearest base.
    documented = next(
        cls
        for cls in type(error).__mro__
        if issubclass(cls, ReleaseError) and cls.__module__.startswith("py_release.")
    )
    anchor = documented.__name__.lower()
    return f"https://github.com/{ACTION_REPOSITORY}#{anchor}"


class InputError(ReleaseError):
    """An input (or its flag) has a value we cannot use, or an ``INPUT_*`` name is misspelt.

    Fix: the hint names the values the input takes; nothing has run yet.
    """

    def __init__(self, input_name: str, message: str, hint: str) -> None:
        super().__init__(f"input '{input_name}': {message}", hint)
        self.input_name = input_name


class InputErrors(ReleaseError):
    """Several inputs are wrong; all are reported at once, each with its fix."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        lines = [f"{len(errors)} inputs are invalid:"]
        lines += [f"  - {e.message}" for e in errors]
        hints = "\n".join(f"  - {e.input_name}: {e.hint}" for e in errors)
        super().__init__("\n".join(lines), "fix each input:\n" + hints)
        self.errors = list(errors)


class BuildError(ReleaseError):
    """The build backend could not build the sdist, or the wheel from it.

    Fix: run ``python -m build`` in project-dir to see the backend's own error; a wheel that
    fails while the sdist built means the sdist lacks files the build needs.
    """


class NoDistributionsError(ReleaseError):
    """packages-dir holds nothing to upload (or only folders named like distributions).

    Fix: build before the step, let py-release build, or download artifacts with
    ``merge-multiple: true``.
    """


# Who refuses a file: PyPI (warehouse's upload rules), installers (pip, uv: PyPI takes the file
# but it cannot be installed), twine (it will not send the file), or this release (its inputs:
# tag, folder, size).
Authority = Literal["PyPI", "installers", "twine", "release"]
Severity = Literal["error", "warning"]
_VERDICTS: dict[tuple[Authority, Severity], str] = {
    ("PyPI", "error"): "PyPI refuses it: ",
    ("installers", "error"): "PyPI would accept this file, but installers refuse it: ",
    ("twine", "error"): "twine refuses to upload it: ",
    ("twine", "warning"): "PyPI accepts it, but twine check --strict warns: ",
}


@dataclass(frozen=True)
class Problem:
    """One reason a distribution would be refused (or, as a warning, is worth fixing), found
    before anything is uploaded."""

    file: str
    message: str
    hint: str
    by: Authority = "release"
    severity: Severity = "error"

    @property
    def verdict(self) -> str:
        """Who refuses the file and whether it stops the release, as the message's prefix."""
        return _VERDICTS.get((self.by, self.severity), "")

    def __str__(self) -> str:
        return f"{self.file}: {self.verdict}{self.message}"


class CheckFailed(ReleaseError):
    """One or more distributions fail the checks (PyPI's rules, integrity, names, version,
    tag); every problem is listed, each with its fix, and nothing was uploaded."""

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
    """The index's simple API could not tell what it already holds.

    Fix: check repository-url and that the index is up.
    """


class ExistingFilesError(ReleaseError):
    """The index has files of these names with other contents; nothing was uploaded.

    Fix: a published file is never replaced: release a new version.
    """


class UploadError(ReleaseError):
    """The index refused an upload (its reason is quoted), kept failing, or serves other bytes
    than were sent. Fix: the index's reason says; a re-run sends only what is missing."""


class AuthenticationError(UploadError):
    """The index refused the user and password. Fix: ``__token__`` and an API token, or no
    password at all (Trusted Publishing)."""


class TrustedPublishingError(ReleaseError):
    """The job's ID token could not be had, or the index refused to exchange it for an upload
    token. Fix: ``id-token: write`` on the job, or a trusted publisher that matches the job's
    claims (the hint lists them)."""
