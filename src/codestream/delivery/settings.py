"""The `delivery` block of the services config: `inProcessWorker` and `deadlineHours`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codestream.errors import ConfigError

DEFAULT_DEADLINE_HOURS = 24.0


@dataclass(frozen=True)
class DeliverySettings:
    """How the outbox is delivered.

    `in_process_worker`: the server runs one delivery worker itself (default true; set false when
    `codestream worker` processes run elsewhere). `deadline_hours`: how long a message is retried
    before it is marked failed (default 24).
    """

    in_process_worker: bool = True
    deadline_hours: float = DEFAULT_DEADLINE_HOURS

    @property
    def deadline_ms(self) -> int:
        """`deadline_hours` in milliseconds."""
        return int(self.deadline_hours * 3_600_000)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DeliverySettings:
        """Read `delivery.*` from the config document; absent keys take the defaults."""
        block = document.get("delivery") or {}
        if not isinstance(block, Mapping):
            raise ConfigError("delivery: must be an object")
        in_process = block.get("inProcessWorker", True)
        if not isinstance(in_process, bool):
            raise ConfigError("delivery.inProcessWorker: must be true or false")
        hours = block.get("deadlineHours", DEFAULT_DEADLINE_HOURS)
        if (
            isinstance(hours, bool)
            or not isinstance(hours, int | float)
            or not 0 < hours <= 24 * 30
        ):
            raise ConfigError("delivery.deadlineHours: must be a number of hours, 0 < h <= 720")
        return cls(in_process_worker=in_process, deadline_hours=float(hours))


def default_worker_id() -> str:
    """host:pid:random, unique per worker instance (it names the leases it holds)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
