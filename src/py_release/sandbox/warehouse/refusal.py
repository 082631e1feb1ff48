"""How the legacy upload API refuses: a status and warehouse's message, which the endpoint
sends as the HTTP reason phrase."""

from __future__ import annotations


class UploadRefused(Exception):
    """The upload is refused with ``status`` and warehouse's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> UploadRefused:
    """A 400 refusal: how warehouse refuses nearly every upload it does not take."""
    return UploadRefused(400, message)
