"""The codemark card's buttons for each view (the card shared to a channel, a member's own view
through `refresh`, the view of someone who may not act), checked as a Teams renderer would take
them (card_rules), and the card's size with 60 refreshing users and the largest content."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from tests.shares.card_rules import check_activity
from tests.shares.test_codemark_card import ADA, GRACE, PERMALINK, _codemark, _marker, _repo

from codestream.bot.card_views import SHARED_VIEW, SIGN_IN_VIEW, CardView, member_view
from codestream.bot.codemark_card import MAX_ACTIVITY_BYTES, activity_size, render_codemark_activity
from codestream.domain.messages import CodemarkCardData
from codestream.domain.models import Codemark, CodemarkStatus, CodemarkType

LINKS = ["Open in IDE", "Open on GitHub", "Open on web"]


def _card(codemark: Codemark, view: CardView, ids: tuple[str, ...] = ()) -> dict[str, Any]:
    repo = _repo()
    data = CodemarkCardData(codemark, ADA, (), {repo.id: repo}, PERMALINK, refresh_user_ids=ids)
    return check_activity(render_codemark_activity(data, view))


def _buttons(card: dict[str, Any]) -> list[str]:
    return [a["title"] for a in card["actions"]]


def _reply_box(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e["type"] in ("Input.Text", "ActionSet")]


def test_the_shared_card_of_an_open_issue() -> None:
    card = _card(_codemark(CodemarkType.ISSUE), SHARED_VIEW, ("29:1a", "29:1b"))
    assert _buttons(card) == ["Resolve", "Assign to me", *LINKS]
    verbs = {a["title"]: a["verb"] for a in card["actions"] if a["type"] == "Action.Execute"}
    assert verbs == {"Resolve": "codemark.resolve", "Assign to me": "codemark.assignMe"}
    box, buttons = _reply_box(card)
    assert box["id"] == "replyText" and box["isMultiline"] and box["maxLength"] == 28_000
    (reply,) = buttons["actions"]
    assert reply["verb"] == "codemark.reply" and reply["data"] == {"codemarkId": "f" * 24}
    assert card["refresh"] == {
        "action": {
            "type": "Action.Execute",
            "title": "Refresh",
            "verb": "codemark.refresh",
            "data": {"codemarkId": "f" * 24},
        },
        "userIds": ["29:1a", "29:1b"],
    }


def test_a_resolved_issue_offers_reopen() -> None:
    card = _card(_codemark(CodemarkType.ISSUE, status=CodemarkStatus.CLOSED), SHARED_VIEW)
    assert _buttons(card)[:2] == ["Reopen", "Assign to me"]


def test_a_members_own_view_offers_unassign_when_assigned() -> None:
    issue = _codemark(CodemarkType.ISSUE, assignees=(GRACE.id,))
    assert _buttons(_card(issue, member_view(GRACE.id)))[:2] == ["Resolve", "Unassign me"]
    assert _buttons(_card(issue, member_view(ADA.id)))[:2] == ["Resolve", "Assign to me"]


def test_someone_who_may_not_act_gets_sign_in_only() -> None:
    card = _card(_codemark(CodemarkType.ISSUE), SIGN_IN_VIEW, ("29:1a",))
    assert _buttons(card) == ["Sign in", *LINKS]
    assert card["actions"][0]["verb"] == "codemark.signin"
    assert _reply_box(card) == []
    assert card["refresh"]["userIds"] == ["29:1a"]


@pytest.mark.parametrize("kind", [CodemarkType.COMMENT, CodemarkType.QUESTION])
def test_only_issues_are_resolved_and_assigned(kind: CodemarkType) -> None:
    card = _card(_codemark(kind), SHARED_VIEW)
    assert _buttons(card) == LINKS
    assert len(_reply_box(card)) == 2


def test_sixty_long_ids_and_the_largest_content_still_fit() -> None:
    ids = tuple(f"29:1{'x' * 80}{n:02d}" for n in range(60))
    huge = _codemark(
        CodemarkType.ISSUE,
        title="T" * 500,
        text="word " * 10_000,
        markers=tuple(replace(_marker("x = 1\n" * 5_000), id=f"{n:024d}") for n in range(10)),
    )
    card = _card(huge, member_view(ADA.id), ids)
    assert card["refresh"]["userIds"] == list(ids)
    repo = _repo()
    data = CodemarkCardData(huge, ADA, (), {repo.id: repo}, PERMALINK, refresh_user_ids=ids)
    assert activity_size(render_codemark_activity(data)) <= MAX_ACTIVITY_BYTES
