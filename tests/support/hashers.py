"""Password hashers for tests, passed through the real wiring seam (`create_app(hasher=...)`)
so they run behind the real hashing gate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from codestream.passwords import Argon2Hasher


class HeldHasher:
    """Light argon2id whose verifications wait until the test releases them (at most 20 s, so
    a blocked event loop can't hang the suite), counting them."""

    def __init__(self) -> None:
        self._argon2 = Argon2Hasher(time_cost=1, memory_cost=8192)
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.release.set()
        self.verifications = 0
        self.held = 0
        self.last_verified_hash = ""

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.verifications += 1
            self.held += 1
            self.last_verified_hash = password_hash
        try:
            self.release.wait(timeout=20)
            return self._argon2.verify(password_hash, password)
        finally:
            with self._lock:
                self.held -= 1


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait until `condition()` holds (polling); AssertionError after `seconds`."""
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
