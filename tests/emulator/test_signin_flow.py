"""Teams' side of the bot authentication flow: the `signin/verifyState` hand-back, sent by the
driver and by the page's route, and the TeamsJS stand-in the sign-in page loads.

The browser half (popup, postMessage, closing) is in test_signin_browser.py.
"""

from __future__ import annotations

from typing import Any

from teams_emulator import Message

from .conftest import World
from .test_driver import _common, _verify

SIGNIN_URL = "https://codestream.example/web/msteams/signin?state=s1"


async def _bot_posts_signin_card(world: World, conversation_id: str) -> Message:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Sign in to CodeStream"}],
        "actions": [
            {
                "type": "Action.Submit",
                "title": "Sign in",
                "data": {"msteams": {"type": "signin", "value": SIGNIN_URL}},
            }
        ],
    }
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{conversation_id}/activities",
        json={
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        },
        headers=await world.auth(),
    )
    assert response.status_code == 201, response.text
    conversation = world.emu.emulator.world.conversations[conversation_id]
    return conversation.messages[response.json()["id"]]


def _is_verify_state(activity: dict[str, Any], state: str) -> None:
    assert activity["type"] == "invoke"
    assert activity["name"] == "signin/verifyState"
    assert activity["value"] == {"state": state}
    assert activity["id"].startswith("f:")


async def test_verify_state_in_a_channel_replies_to_the_card_signed_from_the_clicker(
    world: World,
) -> None:
    card = await _bot_posts_signin_card(world, world.channel.id)

    response = await world.emu.driver.verify_signin_state(card, world.bob, "abc123")

    assert response.status == 200
    activity, headers = world.recorder.received[-1], world.recorder.headers[-1]
    _common(world, activity, world.bob.id)
    _is_verify_state(activity, "abc123")
    assert activity["from"]["aadObjectId"] == world.bob.aad_object_id
    assert activity["replyToId"] == card.id
    assert activity["conversation"]["id"] == f"{world.channel.id};messageid={card.id}"
    assert activity["channelData"]["source"] == {"name": "message"}
    assert activity["channelData"]["legacy"] == {"replyToId": card.id}
    assert activity["channelData"]["team"] == {"id": world.team.id}
    assert [e["type"] for e in activity["entities"]] == ["clientInfo"]
    claims = _verify(world, headers, activity)
    assert claims["serviceurl"] == activity["serviceUrl"]
    assert headers["x-ms-conversation-id"] == activity["conversation"]["id"]


async def test_verify_state_in_the_personal_chat_with_or_without_the_card(world: World) -> None:
    driver = world.emu.driver
    await driver.install_bot_personal(world.bot, world.alice)
    chat = driver.personal_chat(world.bot, world.alice)
    card = await _bot_posts_signin_card(world, chat.id)

    await driver.verify_signin_state(card, world.alice, "from-card")
    from_card = world.recorder.received[-1]
    await driver.verify_signin_state(chat, world.alice, "no-card")
    no_card = world.recorder.received[-1]

    for activity, state in ((from_card, "from-card"), (no_card, "no-card")):
        _common(world, activity, world.alice.id)
        _is_verify_state(activity, state)
        assert activity["conversation"] == {
            "conversationType": "personal",
            "tenantId": world.tenant.id,
            "id": chat.id,
        }
    assert from_card["replyToId"] == card.id
    assert "replyToId" not in no_card and "source" not in no_card["channelData"]


async def test_the_page_route_sends_verify_state_and_reports_the_bots_answer(
    world: World,
) -> None:
    card = await _bot_posts_signin_card(world, world.channel.id)
    world.recorder.answer = lambda activity: (412, None)
    spec = {
        "conversationId": world.channel.id,
        "messageId": card.id,
        "userId": world.alice.id,
        "state": "abc123",
    }

    answered = await world.http.post(f"{world.emu.base_url}/_emulator/ui/signin", json=spec)

    assert answered.status_code == 200
    assert answered.json()["delivered"] is True and answered.json()["status"] == 412
    activity = world.recorder.received[-1]
    _is_verify_state(activity, "abc123")
    assert activity["from"]["id"] == world.alice.id and activity["replyToId"] == card.id


async def test_the_page_route_refuses_incomplete_hand_backs_and_sends_nothing(
    world: World,
) -> None:
    card = await _bot_posts_signin_card(world, world.channel.id)
    good = {
        "conversationId": world.channel.id,
        "messageId": card.id,
        "userId": world.alice.id,
        "state": "abc123",
    }
    user_post = await world.emu.driver.post_message(world.channel, world.alice, "hi")
    assert user_post is not None
    before = len(world.recorder.received)
    for bad in (
        {**good, "state": None},
        {**good, "state": 7},
        {**good, "userId": "29:nobody"},
        {**good, "messageId": "404"},
        {**good, "messageId": user_post.activity_id},  # a user's message holds no sign-in card
        {**good, "conversationId": "19:nowhere"},
    ):
        refused = await world.http.post(f"{world.emu.base_url}/_emulator/ui/signin", json=bad)
        assert refused.status_code == 400, bad
    assert len(world.recorder.received) == before


async def test_teams_js_stand_in_is_served_and_named_in_the_config_block(world: World) -> None:
    emu = world.emu
    assert emu.teams_js_url == f"{emu.base_url}/_emulator/teamsjs/MicrosoftTeams.js"
    assert emu.msteams_block(world.bot)["teamsJsUrl"] == emu.teams_js_url
    served = await world.http.get(emu.teams_js_url)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    for api in ("initialize", "notifySuccess", "notifyFailure"):
        assert api in served.text
    state = (await world.http.get(f"{emu.base_url}/_emulator/ui/state")).json()
    assert state["urls"]["teamsJs"] == emu.teams_js_url
