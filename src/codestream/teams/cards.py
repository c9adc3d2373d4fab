"""Adaptive Card helpers: the content type and version Teams renders, and the message activity
that carries one card. The cards themselves are the bot's (bot/cards.py, bot/codemark_card.py)."""

from __future__ import annotations

from typing import Any

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
"""An Adaptive Card attachment's `contentType` (also an invoke answer's `type`)."""
VERSION = "1.5"
"""The newest Adaptive Card version Teams renders for bot-sent cards."""


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    """A card's JSON as a message attachment."""
    return {"contentType": CONTENT_TYPE, "content": card}


def message(card: dict[str, Any], summary: str | None = None) -> dict[str, Any]:
    """A message activity carrying one card; `summary` is what Teams shows in notifications."""
    activity: dict[str, Any] = {"type": "message"}
    if summary is not None:
        activity["summary"] = summary
    activity["attachments"] = [attachment(card)]
    return activity
