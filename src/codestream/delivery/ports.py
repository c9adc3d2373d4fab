"""What the delivery worker needs beyond the domain's unit of work: the send log it paces by.

Only `delivery/` sees these; the storage's unit of work satisfies them structurally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Protocol

from codestream.domain.ports import UnitOfWork


class SendLog(Protocol):
    """The log of connector calls by pace key, shared by every worker: Teams' limits as windows.

    Claiming reads it (`send_times`, `send_counts`) and writes it (`record_sends`) in the unit of
    work that claims, under the claim locks of the keys' tenants; completing moves the entries
    (`touch_sends`).
    """

    async def send_times(self, horizons: Mapping[str, int]) -> dict[str, list[int]]:
        """Times (ascending) of logged sends per pace key, after that key's horizon (a time):
        each key read as far back as its longest window, in one query."""
        ...

    async def send_counts(self, keys: Sequence[str], *, since: int) -> dict[str, int]:
        """How many logged sends per pace key after `since`."""
        ...

    async def record_sends(self, sends: Sequence[tuple[str, int]]) -> list[int]:
        """Log one send per (key, planned time); the log rows' ids, in order."""
        ...

    async def touch_sends(self, send_ids: Sequence[int], *, at: int) -> None:
        """Move logged sends to `at` (when the connector answered: the latest it can have
        counted them)."""
        ...

    async def prune_sends(self, *, before: int) -> int:
        """Forget logged sends older than every window; how many rows went."""
        ...


class DeliveryUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with the send log."""

    @property
    def sends(self) -> SendLog: ...

    async def __aenter__(self) -> DeliveryUnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class DeliveryUnitOfWorkFactory(Protocol):
    """Opens a new unit of work with the send log."""

    def __call__(self) -> DeliveryUnitOfWork: ...


class OutboxWakeups(Protocol):
    """Tells a worker when other processes queued rows (PostgreSQL: LISTEN/NOTIFY)."""

    async def run(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever rows may have been queued elsewhere, until cancelled."""
        ...
