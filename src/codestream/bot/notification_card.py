"""The personal notification's card: a headline, the codemark's compact card (the live card's
`COMPACT_VIEW`), the other codemarks of the bundle, and a "Mute this codemark" button."""

from __future__ import annotations

from typing import Any

from codestream.bot.card_code import cut
from codestream.bot.card_views import COMPACT_VIEW
from codestream.bot.codemark_card import MAX_SUMMARY, render_codemark_card
from codestream.domain.messages import NotificationData
from codestream.teams.cards import message

NOTIFICATIONS = "notifications"
"""The verb of the notification card's button: it names the `notifications` command, which the
router runs for an Action.Execute (`bot/notification_commands.py`)."""
MUTE_CODEMARK = "muteCodemark"
"""The button data's key for the codemark to mute."""


def render_notification_activity(data: NotificationData) -> dict[str, Any]:
    """This is `BotMessages.notification`."""
    card = render_codemark_card(data.card, COMPACT_VIEW)
    head: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": cut(data.headline, 300), "weight": "Bolder", "wrap": True}
    ]
    tail: list[dict[str, Any]] = []
    if data.others:
        lines = "\n".join(f"- [{cut(title, 120)}]({url})" for title, url in data.others)
        tail.append({"type": "TextBlock", "text": f"Also:\n{lines}", "wrap": True})
    codemark_id = data.card.codemark.id
    mute = {
        "type": "Action.Execute",
        "title": "Mute this codemark",
        "verb": NOTIFICATIONS,
        "data": {MUTE_CODEMARK: codemark_id},
    }
    card = {
        **card,
        "body": [*head, *card.get("body", []), *tail],
        "actions": [*card.get("actions", []), mute],
    }
    return message(card, cut(data.headline, MAX_SUMMARY))
