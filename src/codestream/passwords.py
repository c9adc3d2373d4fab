"""Password hashing with argon2id, off the event loop, and the list of common passwords.

`GatedHasher` implements the domain's PasswordHasher port: it runs a blocking hasher (argon2,
which releases the GIL) in its own small thread pool, at most `workers` at once, with at most
`waiting` more queued; beyond that it raises ServerBusy at once, without hashing. So a storm of
logins costs a bounded amount of CPU and never blocks the event loop the bot endpoint runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Protocol, TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from codestream.errors import ServerBusy

T = TypeVar("T")

BUSY_RETRY_AFTER_SECONDS = 2
HASHING_NICENESS = 10


class BlockingHasher(Protocol):
    """A hasher whose calls block while they compute (run them in a thread)."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


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


@dataclass(frozen=True)
class HashingCapacity:
    """How many password hashes run at once (`workers`) and how many more may wait."""

    workers: int
    waiting: int

    @classmethod
    def default(cls) -> HashingCapacity:
        """Half the CPUs (at least one, at most 8), so hashing never takes every core from the
        bot; four times as many may wait, at least 8 (a few seconds' worth)."""
        workers = max(1, min(8, (os.cpu_count() or 2) // 2))
        return cls(workers=workers, waiting=max(8, 4 * workers))


class GatedHasher:
    """The PasswordHasher port over a blocking hasher: worker threads, bounded concurrency."""

    def __init__(self, hasher: BlockingHasher, capacity: HashingCapacity) -> None:
        if capacity.workers < 1 or capacity.waiting < 0:
            raise ValueError(f"hashing capacity must have workers >= 1, got {capacity}")
        self._hasher = hasher
        self._capacity = capacity
        self._pool = ThreadPoolExecutor(
            max_workers=capacity.workers,
            thread_name_prefix="password-hash",
            initializer=_lower_priority,
        )
        self._admitted = 0  # running or queued; touched on the event loop only

    @property
    def admitted(self) -> int:
        """Hashes running or queued right now."""
        return self._admitted

    async def hash(self, password: str) -> str:
        """The encoded hash, computed in a worker thread; ServerBusy when at capacity."""
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches, checked in a worker thread; ServerBusy at capacity."""
        return await self._run(self._hasher.verify, password_hash, password)

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        if self._admitted >= self._capacity.workers + self._capacity.waiting:
            raise ServerBusy(
                "the server is busy checking other passwords; try again in a few seconds",
                retry_after_seconds=BUSY_RETRY_AFTER_SECONDS,
            )
        self._admitted += 1
        future = asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        # Released when the thread is done, not when the caller stops waiting: a hash that
        # runs on after its client left still holds its slot.
        future.add_done_callback(self._release)
        return await asyncio.shield(future)

    def _release(self, _future: asyncio.Future[T]) -> None:
        self._admitted -= 1


def _lower_priority() -> None:
    """Run this hashing thread at a lower CPU priority (nice 10; Linux sets it per thread), so
    on a busy machine the event loop serving the bot wins the CPU over a stream of logins."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class ZxcvbnCommonPasswords:
    """The 30,000 most common passwords of public breach corpora, as the `zxcvbn` package ships
    them (offline); compared case-insensitively, as attackers' lists are tried."""

    def contains(self, password: str) -> bool:
        """Whether the password (trimmed, case-folded) is on the list."""
        return password.strip().casefold() in _common_passwords()


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 0.8 MB of lists: load on first use

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])
