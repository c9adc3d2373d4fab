"""Password hashing with argon2id; implements the domain's PasswordHasher port."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Hasher:
    """argon2id; the defaults are the library's (RFC 9106 low-memory profile: t=3, 64 MiB)."""

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        """The encoded hash, salt and parameters included."""
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; False for a mismatch or a malformed hash."""
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
