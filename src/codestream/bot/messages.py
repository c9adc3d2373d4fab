"""The bot's side of the `TeamsMessages` port: what the domain's messages to Teams look like."""

from __future__ import annotations

from datetime import UTC, datetime

from codestream.bot import cards
from codestream.bot.codemark_card import (
    render_codemark_activity,
    render_reply_activity,
    render_status_line,
)
from codestream.bot.notification_card import render_notification_activity
from codestream.domain.messages import (
    Activity,
    CodemarkCardData,
    NotificationData,
    ReplyCardData,
    StatusLineData,
    TeamsLinkNotice,
)


class BotMessages:
    """Adaptive Card messages for codemarks, replies and notices of new Teams links."""

    def codemark(self, data: CodemarkCardData) -> Activity:
        """The codemark's card, shrunk to fit Teams' message size."""
        return render_codemark_activity(data)

    def reply(self, data: ReplyCardData) -> Activity:
        """The reply's message in a card's thread."""
        return render_reply_activity(data)

    def status_line(self, data: StatusLineData) -> Activity:
        """ "Ada resolved this" in a card's thread."""
        return render_status_line(data)

    def notification(self, data: NotificationData) -> Activity:
        """A personal notification: headline, compact card, Mute this codemark."""
        return render_notification_activity(data)

    def teams_linked(self, notice: TeamsLinkNotice) -> Activity:
        """The notice to an older linked chat: which Teams account was linked, when, where."""
        moment = datetime.fromtimestamp(notice.linked_at / 1000, UTC)
        card = cards.teams_linked_card(
            notice.user.email,
            notice.teams_name,
            notice.teams_email,
            notice.organization,
            f"{moment:%Y-%m-%d %H:%M} UTC",
            notice.account_url,
        )
        return cards.message(card)
