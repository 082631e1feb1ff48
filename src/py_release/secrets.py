"""A value that must never be printed."""

from __future__ import annotations


class Secret:
    """Holds a secret; ``str`` and ``repr`` show ``***``, only ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret('***')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def basic_credentials(user: str, password: Secret) -> Secret:
    """What HTTP Basic authentication sends for ``user`` and ``password`` (base64 of
    ``user:password``): an index that echoes the Authorization header echoes this."""
    import base64

    return Secret(base64.b64encode(f"{user}:{password.reveal()}".encode()).decode("ascii"))
