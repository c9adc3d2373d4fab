"""The bot's side of the `TeamsMessages` port: what the domain's messages to Teams look like."""

from __future__ import annotations

from codestream.bot import cards
from codestream.bot.codemark_card import render_codemark_activity, render_reply_activity
from codestream.domain.messages import Activity, CodemarkCardData, ReplyCardData
from codestream.domain.models import Team, User


class BotMessages:
    """Adaptive Card messages for codemarks, replies and sign-in confirmations."""

    def codemark(self, data: CodemarkCardData) -> Activity:
        """The codemark's card, shrunk to fit Teams' message size."""
        return render_codemark_activity(data)

    def reply(self, data: ReplyCardData) -> Activity:
        """The reply's message in a card's thread."""
        return render_reply_activity(data)

    def signed_in(self, user: User, teams: list[Team]) -> Activity:
        """The personal chat's confirmation of a sign-in completed on the web page."""
        return cards.message(cards.signed_in_card(user.email, [t.name for t in teams]))
