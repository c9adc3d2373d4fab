"""The durable outbox: every message to Teams is a row first, and is sent by a worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FINISHED_KEPT_MS = 7 * 24 * 3_600_000
"""How long a sent or failed message stays in the outbox (for `codestream doctor` and for
looking into a complaint); a share keeps its card's outcome and thread on its own row."""


class DeliveryStatus(StrEnum):
    """Where a message is on its way to Teams."""

    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"


class Operation(StrEnum):
    """Which Bot Connector call delivers the message."""

    CREATE_CONVERSATION = "create_conversation"
    """A new channel post (a new thread), or a new personal chat."""
    SEND = "send"
    """A message into an existing conversation or thread."""
    UPDATE = "update"
    """A new version of a message we sent."""


@dataclass(frozen=True)
class OutboxItem:
    """One message on its way to Teams."""

    id: int
    kind: str
    tenant_id: str
    service_url: str
    conversation_id: str
    operation: Operation
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: int
    deadline_at: int
    created_at: int
    modified_at: int
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_until: int | None = None
    result_id: str | None = None
    share_id: str | None = None
    sent_at: int | None = None
    request_id: str | None = None
    """The inbound request that queued it (in the log lines of that request and its sends)."""


@dataclass(frozen=True)
class NewOutboxItem:
    """What to enqueue; the outbox assigns the id, status and times."""

    kind: str
    tenant_id: str
    service_url: str
    conversation_id: str
    operation: Operation
    payload: dict[str, Any] = field(default_factory=dict)
    share_id: str | None = None
    request_id: str | None = None
    """Left None, the outbox stamps the current request's id."""
