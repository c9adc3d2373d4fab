"""The `delivery` block of the services config: `inProcessWorker` and `deadlineHours`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from codestream.config import default_of, validate_block, value_of
from codestream.errors import ConfigError

DEFAULT_DEADLINE_HOURS: Final = float(default_of("delivery.deadlineHours"))


@dataclass(frozen=True)
class DeliverySettings:
    """How the outbox is delivered.

    `in_process_worker`: the server runs one delivery worker itself (default true; set false when
    `codestream worker` processes run elsewhere). `deadline_hours`: how long a message is retried
    before it is marked failed (default 24).
    """

    in_process_worker: bool = default_of("delivery.inProcessWorker")
    deadline_hours: float = DEFAULT_DEADLINE_HOURS

    @property
    def deadline_ms(self) -> int:
        """`deadline_hours` in milliseconds."""
        return int(self.deadline_hours * 3_600_000)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DeliverySettings:
        """Read `delivery.*` from the config document; absent keys take the defaults.

        `load_config` has already checked them; a document that skipped it raises `ConfigError`
        with the same words as `codestream config validate`.
        """
        problems = validate_block(document.get("delivery"), "delivery")
        if problems:
            raise ConfigError("; ".join(problems))
        return cls(
            in_process_worker=value_of(document, "delivery.inProcessWorker"),
            deadline_hours=float(value_of(document, "delivery.deadlineHours")),
        )


def default_worker_id() -> str:
    """host:pid:random, unique per worker instance (it names the leases it holds)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
