"""The seam between the messaging endpoint and the bot's logic."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from codestream.teams.activities import Activity

MAX_KEY_LENGTH = 500


@dataclass(frozen=True)
class InvokeResponse:
    """The HTTP answer to an `invoke` activity: a status and a JSON body."""

    status: int
    body: Any = None


class ActivityHandler(Protocol):
    """Handles one verified, deduplicated activity; returns an InvokeResponse for invokes."""

    async def handle(self, activity: Activity) -> InvokeResponse | None: ...


class AcknowledgingHandler:
    """Accepts every activity and does nothing more; invokes get an empty 200."""

    async def handle(self, activity: Activity) -> InvokeResponse | None:
        """Acknowledge."""
        return InvokeResponse(200) if activity.type == "invoke" else None


def activity_key(activity: Activity) -> str | None:
    """What identifies one delivery of an activity for deduplication: its conversation and id
    (ids are unique per conversation); None for an activity without an id. Long keys are hashed
    so every key fits the store."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    key = f"{conversation}|{activity.id}"
    if len(key) <= MAX_KEY_LENGTH and key.isprintable():
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"
