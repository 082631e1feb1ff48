"""How the legacy upload API refuses: a status and warehouse's message, which the endpoint
sends as the HTTP reason phrase."""

from __future__ import annotations


class _UploadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> _UploadRefused:
    return _UploadRefused(400, message)
