"""The seam between the messaging endpoint and the bot's logic."""

from __future__ import annotations

from typing import Protocol

from codestream.teams.activities import Activity, InvokeResponse


class ActivityHandler(Protocol):
    """Handles one verified, deduplicated activity; returns an InvokeResponse for invokes.

    `key` is the activity's `activity_key` (None when it has no id), computed once by the endpoint.
    """

    async def handle(self, activity: Activity, key: str | None) -> InvokeResponse | None: ...


class AcknowledgingHandler:
    """Accepts every activity and does nothing more; invokes get an empty 200."""

    async def handle(self, activity: Activity, key: str | None) -> InvokeResponse | None:
        """Acknowledge."""
        return InvokeResponse(200) if activity.type == "invoke" else None
