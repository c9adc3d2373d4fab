"""Acting on a shared codemark's card in Teams (Universal Actions, `adaptiveCard/action`), through
real HTTP: the API shares an issue into two channels, the worker posts the cards to the emulator,
and Teams users click the cards' buttons. Each answer is in the documented invoke format: the
card as it is now for the clicking user, Teams' sign-in, or an error that changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from tests.bot.card_world import (
    CARD,
    ERROR,
    LOGIN,
    TEXT,
    TITLE,
    CardWorld,
    actions_of,
    has_reply_box,
    share_to_two_channels,
)

from support.bots import start_bot_world
from support.teams_flow import (
    PASSWORD,
    bot_messages,
    browser,
    card_text,
    code_on,
    sign_in,
    text_of,
    wait_for_card,
)
from teams_emulator import User

ID = object()
"""Stands for the shared codemark's id in parameters."""


@pytest.fixture
async def cw(database_url: str) -> AsyncIterator[CardWorld]:
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield await share_to_two_channels(world)


def _card(body: object) -> dict[str, object]:
    """The refreshed card of a successful answer."""
    assert isinstance(body, dict), body
    assert body["statusCode"] == 200 and body["type"] == CARD, body
    card = body["value"]
    assert isinstance(card, dict) and card["type"] == "AdaptiveCard", card
    return card


def _error(body: object, status: int, code: str) -> str:
    """The message of an error answer (checked: status, type, code)."""
    assert isinstance(body, dict), body
    assert body["statusCode"] == status and body["type"] == ERROR, body
    assert body["value"]["code"] == code, body
    message = body["value"]["message"]
    assert isinstance(message, str) and message
    return message


async def _complete_signin(
    cw: CardWorld, login: object, email: str, teams_email: str | None = None
) -> str:
    """Open the loginRequest's page as the CodeStream user `email`, pick Plant Eaters; the
    one-time code the page shows (and hands back to Teams)."""
    assert isinstance(login, dict)
    assert login["statusCode"] == 401 and login["type"] == LOGIN, login
    value = login["value"]
    assert value["connectionName"] and value["text"]
    (button,) = value["buttons"]
    assert button["type"] == "signin" and button["title"] == "Sign in"
    url = button["value"]
    assert url.startswith(f"{cw.world.app_client.base_url}/web/msteams/signin?state="), url
    async with browser(cw.world) as person:
        picker = await person.open_signin(url, email, PASSWORD)
        assert picker.status_code == 200, picker.text
        if teams_email is not None:  # Teams' member lookup found the clicker in the channel
            assert teams_email in picker.text
        done = await person.submit(picker, [cw.team_id])
        assert done.status_code == 200, done.text
    return code_on(done)


async def test_the_shared_cards_carry_the_actions_and_a_refresh_for_linked_members(
    cw: CardWorld,
) -> None:
    for message in cw.cards:
        card = message.attachments[0]["content"]
        assert actions_of(card) == [
            "Resolve",
            "Assign to me",
            "Open in IDE",
            "Open on GitHub",
            "Open on web",
            "Reply",
        ]
        assert has_reply_box(card)
        refresh = card["refresh"]
        assert refresh["action"]["verb"] == "codemark.refresh"
        assert refresh["action"]["data"] == {"codemarkId": cw.codemark_id}
        assert refresh["userIds"] == [cw.world.alice.id]  # Bob isn't signed in from Teams


async def test_resolve_on_a_card_shared_to_two_channels(cw: CardWorld) -> None:
    started = time.monotonic()
    answer = await cw.click(cw.world.alice, "codemark.resolve", card=1)
    assert time.monotonic() - started < 5  # Teams waits 5 s for an invoke
    card = _card(answer.body)
    assert "Reopen" in actions_of(card) and "Resolve" not in actions_of(card)
    assert (await cw.codemark())["status"] == "closed"
    # Teams shows the answer in place of the card, to the one who clicked.
    shown = cw.world.emu.driver.card_for(cw.cards[1], cw.world.alice)
    assert shown is not None and "[Reopen]" in card_text(shown)
    reopened = _card((await cw.click(cw.world.alice, "codemark.reopen")).body)
    assert "Resolve" in actions_of(reopened)
    assert (await cw.codemark())["status"] == "open"


async def test_a_resent_click_changes_nothing_again(cw: CardWorld) -> None:
    resolve = await cw.click(cw.world.alice, "codemark.resolve")
    await cw.click(cw.world.alice, "codemark.reopen")
    again = await cw.world.post(resolve.activity)  # Teams' retry of the first click
    assert again.status_code == 200
    assert (await cw.codemark())["status"] == "open"


async def test_a_reply_from_the_card_box_lands_as_the_clicking_user(cw: CardWorld) -> None:
    answer = await cw.click(
        cw.world.alice, "codemark.reply", inputs={"replyText": "  Capped at 5 attempts.\n"}
    )
    card = _card(answer.body)
    assert has_reply_box(card)
    (reply,) = await cw.replies()
    assert reply["text"] == "Capped at 5 attempts."
    assert reply["creatorId"] == cw.alice.id and reply["origin"] == "teams"
    assert (await cw.codemark())["numReplies"] == 1
    # Like any other reply, it is posted into the card's thread (and the other card's).
    for channel, message in zip(cw.channels, cw.cards, strict=True):
        await wait_for_card(cw.world, channel.id, "Capped at 5 attempts.", root=message.id)


async def test_assign_to_me_and_unassign_me(cw: CardWorld) -> None:
    assigned = _card((await cw.click(cw.world.alice, "codemark.assignMe")).body)
    assert "Unassign me" in actions_of(assigned) and "Assign to me" not in actions_of(assigned)
    assert (await cw.codemark())["assignees"] == [cw.alice.id]
    unassigned = _card((await cw.click(cw.world.alice, "codemark.unassignMe")).body)
    assert "Assign to me" in actions_of(unassigned)
    assert (await cw.codemark())["assignees"] == []


async def test_an_unlinked_click_signs_in_from_the_card_then_acts(cw: CardWorld) -> None:
    world = cw.world
    await world.emu.driver.install_bot_personal(world.bot, world.bob)
    chat = world.emu.driver.personal_chat(world.bot, world.bob).id
    clicked = await cw.click(world.bob, "codemark.resolve")
    code = await _complete_signin(cw, clicked.body, cw.bob.email, world.bob.email)
    assert (await cw.codemark())["status"] == "open"  # nothing done before the sign-in
    card = _card(await cw.resend(clicked, state=code))
    assert "Reopen" in actions_of(card)
    assert (await cw.codemark())["status"] == "closed"
    # Bob is signed in now: his next click just works, and he is told so privately.
    assigned = _card((await cw.click(world.bob, "codemark.assignMe")).body)
    assert "Unassign me" in actions_of(assigned)
    assert (await cw.codemark())["assignees"] == [cw.bob.id]
    await wait_for_card(world, chat, f"You're signed in to CodeStream as {cw.bob.email}")
    for channel in cw.channels:
        said = [text_of(m) for m in bot_messages(world, channel.id)]
        assert not any("signed in" in text for text in said), said


async def test_someone_elses_code_does_not_sign_in(cw: CardWorld) -> None:
    world = cw.world
    carol = world.emu.driver.create_user(world.tenant, "Carol Diaz")
    world.emu.driver.add_member(world.team, carol)
    clicked = await cw.click(world.bob, "codemark.resolve")
    code = await _complete_signin(cw, clicked.body, cw.bob.email)
    stolen = await cw.resend(clicked, carol, state=code)
    assert stolen == {
        "statusCode": 401,
        "type": "application/vnd.microsoft.error.invalidAuthCode",
    }
    assert (await cw.codemark())["status"] == "open"
    again = await cw.click(carol, "codemark.resolve")  # Carol is still not signed in
    assert again.body["type"] == LOGIN
    wrong = await cw.resend(clicked, state="ABCD-EFGH-JKLM")
    assert wrong["type"] == "application/vnd.microsoft.error.invalidAuthCode"
    _card(await cw.resend(clicked, state=code))  # Bob's own code still works for Bob
    assert (await cw.codemark())["status"] == "closed"


async def _outsider(cw: CardWorld) -> User:
    """Carol: in the Teams team, signed in from Teams as a CodeStream user of another team."""
    world = cw.world
    carol = world.emu.driver.create_user(world.tenant, "Carol Diaz")
    world.emu.driver.add_member(world.team, carol)
    await world.emu.driver.install_bot_personal(world.bot, carol)
    member = await cw.api.sign_up("carol")
    finance = await cw.api.create_team(member, "Finance")
    await sign_in(world, carol, member, [finance["id"]])
    return carol


async def test_an_outsider_is_refused_without_the_codemarks_content(cw: CardWorld) -> None:
    carol = await _outsider(cw)
    for verb, inputs in (
        ("codemark.resolve", None),
        ("codemark.assignMe", None),
        ("codemark.reply", {"replyText": "me too"}),
    ):
        answer = await cw.click(carol, verb, inputs=inputs)
        message = _error(answer.body, 403, "no_access")
        assert "carol@example.com" in message
        shown = json.dumps(answer.body)
        assert TITLE not in shown and TEXT not in shown and "loop" not in shown
    codemark = await cw.codemark()
    assert codemark["status"] == "open" and codemark["assignees"] == []
    assert await cw.replies() == []


async def test_refresh_gives_each_user_their_view(cw: CardWorld) -> None:
    world = cw.world
    mine = _card((await cw.click(world.alice, "codemark.refresh")).body)
    assert actions_of(mine)[:2] == ["Resolve", "Assign to me"] and has_reply_box(mine)
    await cw.click(world.alice, "codemark.assignMe")
    mine = _card((await cw.click(world.alice, "codemark.refresh")).body)
    assert "Unassign me" in actions_of(mine)
    stranger = _card((await cw.click(world.bob, "codemark.refresh")).body)
    assert actions_of(stranger)[0] == "Sign in"
    assert not {"Resolve", "Reopen", "Assign to me", "Unassign me", "Reply"} & set(
        actions_of(stranger)
    )
    assert not has_reply_box(stranger)
    assert stranger["refresh"]["userIds"] == [world.alice.id]
    # Sign in on that card is Teams' sign-in.
    signin = await cw.click(world.bob, "codemark.signin")
    await _complete_signin(cw, signin.body, cw.bob.email)
    # Nothing changed on the codemark for any of it.
    assert (await cw.codemark())["status"] == "open"


async def test_a_stranger_refreshing_another_codemark_gets_nothing_of_it(cw: CardWorld) -> None:
    other = await cw.api.create_codemark(cw.alice, cw.team_id, text="Secret plans for the loop.")
    answer = await cw.click(cw.world.bob, "codemark.refresh", data={"codemarkId": other["id"]})
    _error(answer.body, 403, "not_available")
    assert "Secret" not in json.dumps(answer.body)
    carol = await _outsider(cw)
    answer = await cw.click(carol, "codemark.refresh", data={"codemarkId": other["id"]})
    _error(answer.body, 403, "no_access")
    assert "Secret" not in json.dumps(answer.body)


@pytest.mark.parametrize(
    ("verb", "data", "code"),
    [
        ("codemark.explode", None, "unknown_action"),
        ("", None, "unknown_action"),
        ("codemark.resolve", {}, "bad_codemark_id"),
        ("codemark.resolve", {"codemarkId": 42}, "bad_codemark_id"),
        ("codemark.resolve", {"codemarkId": "../../etc"}, "bad_codemark_id"),
        ("codemark.reply", {"codemarkId": ID}, "empty_reply"),
        ("codemark.reply", {"codemarkId": ID, "replyText": "   "}, "empty_reply"),
        ("codemark.reply", {"codemarkId": ID, "replyText": ["a"]}, "empty_reply"),
        ("codemark.reply", {"codemarkId": ID, "replyText": "x" * 28_001}, "reply_too_long"),
        ("codemark.reply", {"codemarkId": ID, "replyText": "nul \x00 here"}, "invalid_input"),
    ],
)
async def test_malformed_clicks_get_an_error_and_change_nothing(
    cw: CardWorld, verb: str, data: dict[str, object] | None, code: str
) -> None:
    payload = (
        None if data is None else {k: cw.codemark_id if v is ID else v for k, v in data.items()}
    )
    answer = await cw.click(cw.world.alice, verb, data=payload)
    _error(answer.body, 400, code)
    codemark = await cw.codemark()
    assert codemark["status"] == "open" and codemark["numReplies"] == 0


async def test_a_click_on_something_that_isnt_an_issue_is_refused(cw: CardWorld) -> None:
    comment = await cw.api.create_codemark(cw.alice, cw.team_id)
    answer = await cw.click(cw.world.alice, "codemark.resolve", data={"codemarkId": comment["id"]})
    _error(answer.body, 400, "not_an_issue")


async def test_invokes_teams_never_sends_get_an_error_not_a_500(cw: CardWorld) -> None:
    clicked = await cw.click(cw.world.alice, "codemark.refresh")
    for value in ("not a dict", {"action": "x"}, {"action": {"verb": 7, "data": []}}):
        activity = dict(clicked.activity, id=f"f:{value!r:.20}", value=value)
        response = await cw.world.post(activity)
        assert response.status_code == 200, response.text
        _error(response.json(), 400, "unknown_action")
    state = await cw.resend(clicked, state=["not", "a", "code"])  # no code: a plain refresh
    _card(state)
    assert (await cw.codemark())["status"] == "open"


async def test_a_deleted_codemark_is_refused(cw: CardWorld) -> None:
    deleted = await cw.world.app_client.delete(
        f"/api/v1/codemarks/{cw.codemark_id}", headers=cw.alice.headers
    )
    assert deleted.status_code == 204, deleted.text
    for user in (cw.world.alice, cw.world.bob):
        answer = await cw.click(user, "codemark.refresh")
        assert answer.body["statusCode"] == 403, answer.body
        assert TITLE not in json.dumps(answer.body)
    _error((await cw.click(cw.world.alice, "codemark.resolve")).body, 403, "no_access")
