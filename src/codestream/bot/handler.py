"""The seam between the messaging endpoint and the bot's logic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from codestream.teams.activities import Activity


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
