"""The codemark card's Universal Actions (`Action.Execute`): its verbs, the views it is rendered
for, the reply box, the buttons each view gets, and its `refresh`. The card's body and links are
in `codemark_card.py`; the invokes the buttons send are answered by `card_actions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_teams.cards import (
    Action,
    ActionSet,
    CardElement,
    ExecuteAction,
    RefreshDefinition,
    TextInput,
)

from codestream.domain.messages import CodemarkCardData
from codestream.domain.models import Codemark, CodemarkStatus, CodemarkType

MAX_REPLY = 28_000
"""The reply box takes what a Teams message takes."""

RESOLVE = "codemark.resolve"
REOPEN = "codemark.reopen"
REPLY = "codemark.reply"
ASSIGN_ME = "codemark.assignMe"
UNASSIGN_ME = "codemark.unassignMe"
REFRESH = "codemark.refresh"
SIGN_IN = "codemark.signin"
VERBS = (RESOLVE, REOPEN, REPLY, ASSIGN_ME, UNASSIGN_ME, REFRESH, SIGN_IN)
"""Every verb the codemark card sends (`Action.Execute`)."""
REPLY_INPUT = "replyText"
"""The reply box's id: Teams sends its value in the action's data under this name."""
CODEMARK_ID = "codemarkId"
"""The action data's key for the codemark."""


@dataclass(frozen=True)
class CardView:
    """Whom a card is rendered for. The shared view (the card posted to a channel, seen by
    everyone): the actions for anyone who may act. `member_id`: a member's own view (Assign to
    me or Unassign me, by whether they are assigned). `may_act=False`: no actions on the
    codemark, a Sign in button instead."""

    member_id: str | None = None
    may_act: bool = True
    compact: bool = False
    """The notification's version: no code, no reply box, no buttons on the codemark, no
    refresh (the personal chat is not the codemark's thread); its links stay."""


SHARED_VIEW = CardView()
SIGN_IN_VIEW = CardView(may_act=False)
COMPACT_VIEW = CardView(may_act=False, compact=True)


def member_view(user_id: str) -> CardView:
    """The view of a CodeStream user who may act on the codemark."""
    return CardView(member_id=user_id)


def _execute(title: str, verb: str, codemark: Codemark) -> ExecuteAction:
    return ExecuteAction(title=title, verb=verb, data={CODEMARK_ID: codemark.id})


def reply_box(codemark: Codemark) -> list[CardElement]:
    """The inline reply: a text box and its button (the box's value goes with the click)."""
    return [
        TextInput(
            id=REPLY_INPUT,
            placeholder="Reply to this codemark",
            is_multiline=True,
            max_length=MAX_REPLY,
            spacing="Medium",
        ),
        ActionSet(actions=[_execute("Reply", REPLY, codemark)]),
    ]


def codemark_actions(codemark: Codemark, view: CardView) -> list[Action]:
    """Resolve or Reopen and Assign to me or Unassign me, on issues; Sign in for a view that
    may not act."""
    if view.compact:
        return []
    if not view.may_act:
        return [_execute("Sign in", SIGN_IN, codemark)]
    if codemark.type is not CodemarkType.ISSUE:
        return []
    resolved = codemark.status is CodemarkStatus.CLOSED
    actions: list[Action] = [
        _execute("Reopen", REOPEN, codemark) if resolved else _execute("Resolve", RESOLVE, codemark)
    ]
    if view.member_id is not None and view.member_id in codemark.assignees:
        actions.append(_execute("Unassign me", UNASSIGN_ME, codemark))
    else:
        actions.append(_execute("Assign to me", ASSIGN_ME, codemark))
    return actions


def refresh_of(data: CodemarkCardData) -> RefreshDefinition:
    """The card's `refresh`: Teams sends `codemark.refresh` for the listed users when they see
    it (at most `MAX_REFRESH_USERS`), and for anyone else who asks for a refresh."""
    return RefreshDefinition(
        action=_execute("Refresh", REFRESH, data.codemark), user_ids=list(data.refresh_user_ids)
    )
