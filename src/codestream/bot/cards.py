"""The bot's Adaptive Cards (version 1.5, Microsoft's typed `microsoft-teams-cards` models).

Each builder returns the card's JSON; `message` (teams/cards.py, re-exported here for the bot's
handlers) wraps one into a message activity. Text that came from users (names, unknown commands)
goes through `plain`, so it can't smuggle Markdown links.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from microsoft_teams.cards import (
    Action,
    AdaptiveCard,
    CardElement,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
)

from codestream.bot import texts
from codestream.domain.services.msteams_replies import Outcome
from codestream.teams.cards import VERSION
from codestream.teams.cards import message as message

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_MARKDOWN = set("[]()*`<>#|\\!")


def plain(text: str, limit: int = 100) -> str:
    """User-supplied text made safe to show: no control or Markdown characters, shortened."""
    cleaned = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isprintable() or ch.isspace()
        if ch not in _MARKDOWN and not 0xD800 <= ord(ch) <= 0xDFFF
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def submit(title: str, command: str, **data: Any) -> SubmitAction:
    """A button that sends a command back to the bot (a message whose `value` has `action`)."""
    return SubmitAction(title=title, data={"action": command, **data})


def _card(
    title: str | None,
    lines: Sequence[str] = (),
    facts: Sequence[tuple[str, str]] = (),
    actions: Sequence[Action] = (),
    extra: Sequence[CardElement] = (),
) -> dict[str, Any]:
    body: list[CardElement] = []
    if title:
        body.append(TextBlock(text=title, weight="Bolder", size="Medium", wrap=True))
    body.extend(TextBlock(text=line, wrap=True) for line in lines)
    if facts:
        body.append(FactSet(facts=[Fact(title=name, value=value) for name, value in facts]))
    body.extend(extra)
    card = AdaptiveCard(version=VERSION, body=body, actions=list(actions) or None)
    content: dict[str, Any] = {"$schema": SCHEMA}
    content.update(card.model_dump(mode="json", exclude_none=True, by_alias=True))
    return content


def text_card(text: str, *actions: Action) -> dict[str, Any]:
    """A card with one line of text and optional buttons."""
    return _card(None, [text], actions=actions)


@functools.cache
def help_card(*, personal: bool, heading: str | None = None) -> dict[str, Any]:
    """The list of commands for where the user is. Built once per argument pair (it is the
    commonest answer); the dict is shared, so treat it as read-only, as every card here."""
    if personal:
        return _card(
            heading,
            [texts.HELP_INTRO],
            texts.HELP_PERSONAL,
            [submit(texts.BUTTON_SIGNIN, "signin"), submit(texts.BUTTON_STATUS, "status")],
            [TextBlock(text=texts.HELP_PERSONAL_NEXT, wrap=True, is_subtle=True)],
        )
    return _card(
        heading,
        [texts.HELP_INTRO],
        texts.HELP_CHANNEL,
        [submit(texts.BUTTON_CONNECT, "connect"), submit(texts.BUTTON_STATUS, "status")],
        [TextBlock(text=texts.HELP_CHANNEL_NEXT, wrap=True, is_subtle=True)],
    )


def welcome_personal(name: str) -> dict[str, Any]:
    """Sent when a user adds the bot in their personal scope."""
    shown = plain(name, 60)
    title = (
        texts.WELCOME_PERSONAL_TITLE.format(name=shown)
        if shown
        else texts.WELCOME_PERSONAL_TITLE_NO_NAME
    )
    return _card(
        title,
        [texts.WELCOME_PERSONAL_TEXT],
        actions=[submit(texts.BUTTON_SIGNIN, "signin"), submit(texts.BUTTON_HELP, "help")],
    )


def welcome_team(ms_team_name: str) -> dict[str, Any]:
    """Posted in a Teams team's channel when the bot is added to that team."""
    shown = plain(ms_team_name, 80)
    title = (
        texts.WELCOME_TEAM_TITLE.format(team=shown) if shown else texts.WELCOME_TEAM_TITLE_NO_NAME
    )
    return _card(
        title,
        [texts.WELCOME_TEAM_TEXT],
        actions=[submit(texts.BUTTON_CONNECT, "connect"), submit(texts.BUTTON_HELP, "help")],
    )


def signin_action(title: str, url: str) -> SubmitAction:
    """A button that opens `url` in Teams' authentication window (`msteams` type `signin`);
    the page hands its result back to the bot as a `signin/verifyState` invoke."""
    return SubmitAction(title=title, data={"msteams": {"type": "signin", "value": url}})


def signin_card(url: str) -> dict[str, Any]:
    """The answer to `signin`: a button to the sign-in page through Teams' authentication
    flow, and a box for pasting the one-time code."""
    return _card(
        texts.SIGNIN_TITLE,
        [texts.SIGNIN_TEXT],
        actions=[
            signin_action(texts.BUTTON_SIGNIN, url),
            submit(texts.BUTTON_SUBMIT_CODE, "signincode"),
        ],
        extra=[
            TextBlock(text=texts.SIGNIN_CODE_HINT, wrap=True, is_subtle=True),
            TextInput(id="signInCode", placeholder=texts.SIGNIN_CODE_PLACEHOLDER),
        ],
    )


def signed_in_card(email: str, cs_team_names: Sequence[str]) -> dict[str, Any]:
    """The confirmation of a completed sign-in, naming the CodeStream teams it linked."""
    facts = (
        [(texts.LINKED_TEAMS, ", ".join(plain(n, 80) for n in cs_team_names))]
        if cs_team_names
        else []
    )
    return _card(None, [texts.SIGNED_IN.format(email=email)], facts)


def signin_failed_card(reason: str) -> dict[str, Any]:
    """Teams' authentication flow ended without handing back a code."""
    shown = plain(reason, 200) or texts.SIGNIN_FAILED_NO_REASON
    return text_card(
        texts.SIGNIN_FAILED.format(reason=shown), submit(texts.BUTTON_SIGNIN, "signin")
    )


def teams_linked_card(
    cs_email: str,
    teams_name: str,
    teams_email: str,
    organization: str,
    when: str,
    account_url: str,
) -> dict[str, Any]:
    """Told to a user's older linked Teams chat: another Teams account was linked to them."""
    account = plain(teams_email, 200) or texts.UNKNOWN_EMAIL
    if plain(teams_name, 100):
        account = f"{account} ({plain(teams_name, 100)})"
    facts = [
        (texts.TEAMS_LINKED_ACCOUNT, account),
        (texts.TEAMS_LINKED_ORGANIZATION, plain(organization, 200)),
        (texts.TEAMS_LINKED_WHEN, when),
    ]
    text = texts.TEAMS_LINKED_TEXT.format(email=cs_email, url=account_url)
    return _card(texts.TEAMS_LINKED_TITLE, [text], facts)


def connected_card(cs_team_names: Sequence[str], *, already: bool) -> dict[str, Any]:
    """The answer to `connect`: the CodeStream teams the channel is now connected to."""
    line = texts.ALREADY_CONNECTED if already else texts.CONNECTED
    names = ", ".join(plain(n, 80) for n in cs_team_names)
    return _card(None, [line], [(texts.CONNECTED_TEAMS, names)])


def unknown_card(command: str) -> dict[str, Any]:
    """The answer to text that is no command."""
    return text_card(
        texts.UNKNOWN.format(command=plain(command, 60)), submit(texts.BUTTON_HELP, "help")
    )


def reply_not_added_card(outcome: Outcome, email: str | None) -> dict[str, Any]:
    """Why a reply written under a shared codemark's card was not added to the codemark."""
    if outcome is Outcome.NO_ACCESS:
        return text_card(texts.REPLY_NO_ACCESS.format(email=plain(email or "", 120)))
    if outcome is Outcome.UNSTORABLE:
        return text_card(texts.REPLY_UNSTORABLE)
    return text_card(texts.REPLY_NEEDS_SIGNIN)


def facts_card(
    title: str, facts: Sequence[tuple[str, str]], lines: Sequence[str] = ()
) -> dict[str, Any]:
    """A titled card of facts (status, debug)."""
    return _card(title, lines, facts)
