"""`Secret`: a string that stays out of logs, tracebacks and reprs."""

from __future__ import annotations

import hmac
from typing import Any, Final

MASK: Final = "********"


class Secret:
    """A secret string. `str()`, `repr()` and f-strings give `********`; `reveal()` gives the value.

    Equality with another `Secret` is constant-time (`hmac.compare_digest`); a `Secret` never
    equals a plain `str`, so a comparison can't accidentally leak through a fallback path.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, got {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """Return the secret itself. Call this only where the value is really needed."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    def __str__(self) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))
