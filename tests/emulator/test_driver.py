"""The driver: activity shapes, headers and channel tokens, as Teams sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest

from teams_emulator import RunningEmulator

from .conftest import World

CLIENT_INFO = {"type": "clientInfo", "locale": "en-US"}


def _verify(world: World, headers: dict[str, str], activity: dict[str, Any]) -> dict[str, Any]:
    """Validate the channel token the way a bot must, with the emulator's published key."""
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    jwks = world.emu.emulator.channel_keys.jwks()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert activity["channelId"] in jwk["endorsements"]
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["RS256"],
        audience=world.bot.app_id,
        issuer="https://api.botframework.com",
        leeway=300,
    )
    return claims


def _common(world: World, activity: dict[str, Any], user_id: str) -> None:
    assert activity["channelId"] == "msteams"
    assert activity["serviceUrl"] == world.service_url
    assert activity["from"]["id"] == user_id and activity["from"]["id"].startswith("29:")
    assert activity["from"]["aadObjectId"]
    assert activity["recipient"] == {"id": f"28:{world.bot.app_id}", "name": "CodeStream"}
    assert activity["conversation"]["tenantId"] == world.tenant.id
    assert activity["locale"] == "en-US"
    assert activity["timestamp"].endswith("Z") and activity["localTimestamp"].endswith("-07:00")
    assert activity["channelData"]["tenant"] == {"id": world.tenant.id}


async def test_install_sends_installation_update_then_members_added(world: World) -> None:
    install, update = world.recorder.received[-2:]
    _common(world, install, world.alice.id)
    assert install["type"] == "installationUpdate" and install["action"] == "add"
    assert install["id"].startswith("f:")
    assert install["conversation"] == {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": world.tenant.id,
        "id": world.team.id,
    }
    data = install["channelData"]
    assert data["team"] == {
        "id": world.team.id,
        "name": "Engineering",
        "aadGroupId": world.team.aad_group_id,
    }
    assert data["settings"] == {"selectedChannel": {"id": world.team.id}}
    assert update["type"] == "conversationUpdate"
    assert update["membersAdded"] == [{"id": world.bot.mri}]
    assert update["channelData"]["eventType"] == "teamMemberAdded"


async def test_channel_message_with_mention(world: World) -> None:
    response = await world.emu.driver.post_message(world.channel, world.bob, "share this")
    assert response is not None and response.status == 200
    activity = world.recorder.received[-1]
    _common(world, activity, world.bob.id)
    assert activity["type"] == "message"
    assert activity["text"] == "<at>CodeStream</at> share this"
    assert activity["conversation"]["conversationType"] == "channel"
    assert activity["conversation"]["id"] == f"{world.channel.id};messageid={activity['id']}"
    assert activity["id"].isdigit()
    mention = activity["entities"][0]
    assert mention == {
        "type": "mention",
        "text": "<at>CodeStream</at>",
        "mentioned": {"id": world.bot.mri, "name": "CodeStream"},
    }
    assert activity["entities"][1]["type"] == "clientInfo"
    data = activity["channelData"]
    assert data["channel"] == {"id": world.channel.id}
    assert data["team"] == {"id": world.team.id}
    assert data["teamsChannelId"] == world.channel.id
    assert activity["attachments"][0]["contentType"] == "text/html"
    assert "schema.skype.com/Mention" in activity["attachments"][0]["content"]


async def test_headers_and_channel_token(world: World) -> None:
    await world.emu.driver.post_message(world.channel, world.alice, "hi")
    headers, activity = world.recorder.headers[-1], world.recorder.received[-1]
    assert headers["x-ms-conversation-id"] == activity["conversation"]["id"]
    assert headers["x-ms-tenant-id"] == world.tenant.id
    assert headers["content-type"] == "application/json; charset=utf-8"
    claims = _verify(world, headers, activity)
    assert claims["serviceurl"] == activity["serviceUrl"]
    assert claims["nbf"] <= world.emu.emulator.clock() <= claims["exp"]
    assert not {"ver", "appid", "azp", "tid"} & set(claims)


async def test_message_without_mention_does_not_reach_the_bot(world: World) -> None:
    before = len(world.recorder.received)
    response = await world.emu.driver.post_message(
        world.channel, world.alice, "just chatting", mention=False
    )
    assert response is None
    assert len(world.recorder.received) == before
    stored = world.emu.emulator.world.conversations[world.channel.id].messages
    assert [m.text for m in stored.values()] == ["just chatting"]


async def test_with_rsc_consent_every_channel_message_reaches_the_bot(world: World) -> None:
    driver = world.emu.driver
    await driver.install_bot(
        world.bot, world.team, by=world.alice, consent=["ChannelMessage.Read.Group"]
    )
    before = len(world.recorder.received)
    post = await driver.post_message(world.channel, world.alice, "just chatting", mention=False)
    assert post is not None and post.status == 200
    root = world.emu.emulator.world.conversations[world.channel.id].messages[post.activity_id]
    reply = await driver.reply(root, world.bob, "me too", mention=False)
    assert reply is not None and reply.status == 200
    messages = [a for a in world.recorder.received[before:] if a["type"] == "message"]
    assert [a["text"] for a in messages] == ["just chatting", "me too"]
    assert [e for a in messages for e in a.get("entities", []) if e["type"] == "mention"] == []
    await driver.remove_bot(world.bot, world.team, by=world.alice)
    await driver.install_bot(world.bot, world.team, by=world.alice)  # re-added without consent
    assert await driver.post_message(world.channel, world.alice, "quiet", mention=False) is None


async def test_reply_in_thread_uses_the_thread_conversation(world: World) -> None:
    driver = world.emu.driver
    await driver.post_message(world.channel, world.alice, "root")
    root = next(iter(world.emu.emulator.world.conversations[world.channel.id].messages.values()))
    await driver.reply(root, world.bob, "answer")
    activity = world.recorder.received[-1]
    assert activity["conversation"]["id"] == f"{world.channel.id};messageid={root.id}"
    assert activity["id"] != root.id


async def test_personal_install_and_chat(world: World) -> None:
    driver = world.emu.driver
    responses = await driver.install_bot_personal(world.bot, world.alice)
    assert [r.activity["type"] for r in responses] == ["installationUpdate", "conversationUpdate"]
    chat = driver.personal_chat(world.bot, world.alice)
    response = await driver.send_personal_message(world.bot, world.alice, "help")
    activity = response.activity
    _common(world, activity, world.alice.id)
    assert activity["conversation"] == {
        "conversationType": "personal",
        "tenantId": world.tenant.id,
        "id": chat.id,
    }
    assert activity["text"] == "help"
    assert [e["type"] for e in activity["entities"]] == ["clientInfo"]


async def test_channel_rename_and_delete_events(world: World) -> None:
    driver = world.emu.driver
    [renamed] = await driver.rename_channel(world.channel, "Shipping")
    [deleted] = await driver.delete_channel(world.channel)
    for response, event in ((renamed, "channelRenamed"), (deleted, "channelDeleted")):
        activity = response.activity
        assert activity["type"] == "conversationUpdate"
        assert activity["conversation"]["id"] == world.team.id
        assert activity["channelData"]["eventType"] == event
        assert activity["channelData"]["channel"]["id"] == world.channel.id
    assert renamed.activity["channelData"]["channel"]["name"] == "Shipping"


async def test_channel_created_event(world: World) -> None:
    channel = await world.emu.driver.create_channel(world.team, "Design")
    activity = world.recorder.received[-1]
    assert activity["channelData"]["eventType"] == "channelCreated"
    assert activity["channelData"]["channel"] == {"id": channel.id, "name": "Design"}


async def test_remove_bot_events(world: World) -> None:
    install, update = await world.emu.driver.remove_bot(world.bot, world.team)
    assert install.activity["action"] == "remove"
    assert update.activity["membersRemoved"] == [{"id": world.bot.mri}]
    assert update.activity["channelData"]["eventType"] == "teamMemberRemoved"


async def _bot_card(world: World) -> Any:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Review?"}],
        "actions": [{"type": "Action.Execute", "verb": "approve", "data": {"id": 7}}],
    }
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        },
        headers=await world.auth(),
    )
    message_id = response.json()["id"]
    return world.emu.emulator.world.conversations[world.channel.id].messages[message_id]


async def test_action_submit_sends_message_with_value(world: World) -> None:
    message = await _bot_card(world)
    response = await world.emu.driver.submit_action(
        message, world.bob, {"action": "save"}, inputs={"comment": "lgtm"}
    )
    activity = response.activity
    assert activity["type"] == "message"
    assert activity["value"] == {"action": "save", "comment": "lgtm"}
    assert activity["replyToId"] == message.id
    assert activity["conversation"]["id"] == f"{world.channel.id};messageid={message.id}"


async def test_action_execute_invoke_and_card_refresh(world: World) -> None:
    message = await _bot_card(world)
    new_card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Done"}],
    }

    def answer(activity: dict[str, Any]) -> tuple[int, Any]:
        assert activity["type"] == "invoke"
        return 200, {
            "statusCode": 200,
            "type": "application/vnd.microsoft.card.adaptive",
            "value": new_card,
        }

    world.recorder.answer = answer
    response = await world.emu.driver.execute_action(
        message, world.alice, verb="approve", data={"id": 7}
    )
    activity = response.activity
    assert activity["name"] == "adaptiveCard/action"
    assert activity["value"] == {
        "action": {"type": "Action.Execute", "verb": "approve", "data": {"id": 7}},
        "trigger": "manual",
    }
    assert activity["replyToId"] == message.id
    assert response.status == 200 and response.body["value"] == new_card
    # The answer replaces the card for the clicking user only ("User Specific Views").
    assert world.emu.driver.card_for(message, world.alice) == new_card
    assert world.emu.driver.card_for(message, world.bob) == message.attachments[0]["content"]
    assert message.attachments[0]["content"] != new_card


REFUSALS = {
    "expired": "expired",
    "nbf_future": "not valid yet",
    "wrong_aud": "wrong audience",
    "wrong_iss": "wrong issuer",
    "alg_none": "algorithm none",
    "hs256_public_key": "algorithm HS256",
    "rs384": "algorithm RS384",
    "unknown_kid": "unknown key",
    "retired_key": "unknown key",
    "unendorsed_key": "key not endorsed for msteams",
    "no_serviceurl": "serviceurl claim does not match",
}
"""Each bad-token variant, and the one check of a strict bot it must fail."""


@pytest.mark.parametrize("variant", list(REFUSALS))
async def test_minted_bad_tokens_fail_strict_validation(world: World, variant: str) -> None:
    emulator = world.emu.emulator
    mint = emulator.channel_tokens.mint
    app, url, now = world.bot.app_id, world.service_url, emulator.clock()
    tokens = {
        "expired": lambda: mint(app, url, expires=now - 600, not_before=now - 4000),
        "nbf_future": lambda: mint(app, url, not_before=now + 600),
        "wrong_aud": lambda: mint(app, url, audience="someone-else"),
        "wrong_iss": lambda: mint(app, url, issuer="https://evil.example"),
        "alg_none": lambda: mint(app, url, algorithm="none"),
        "hs256_public_key": lambda: mint(app, url, algorithm="HS256"),
        "rs384": lambda: mint(app, url, algorithm="RS384"),
        "unknown_kid": lambda: mint(app, url, key=emulator.channel_keys.unpublished_key()),
        "retired_key": lambda: _retired(emulator, app, url),
        "unendorsed_key": lambda: mint(
            app, url, key=emulator.channel_keys.add_key(["webchat"], activate=False)
        ),
        "no_serviceurl": lambda: mint(app, url, drop_claims=["serviceurl"]),
    }
    token = tokens[variant]()
    world.recorder.answer = _strict_bot(world)
    accepted = await world.emu.driver.post_message(world.channel, world.alice, "hi")
    assert accepted is not None and (accepted.status, accepted.body) == (200, None)

    refused = await world.emu.driver.send_activity(world.bot, accepted.activity, token=token)

    assert (refused.status, refused.body) == (401, {"refused": REFUSALS[variant]})


def _retired(emulator: Any, app: str, url: str) -> str:
    old = emulator.channel_keys.active
    emulator.channel_keys.rotate()
    return str(emulator.channel_tokens.mint(app, url, key=old))


def _strict_bot(world: World) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    """The recorder's answer as a bot that checks the channel token the way a bot must:
    200, or 401 with the check the token failed. Anything else it raises goes to the test."""

    def answer(activity: dict[str, Any]) -> tuple[int, Any]:
        reason = _refusal(world, world.recorder.headers[-1], activity)
        return (200, None) if reason is None else (401, {"refused": reason})

    return answer


def _refusal(world: World, headers: dict[str, str], activity: dict[str, Any]) -> str | None:
    """Why a bot must refuse the request's channel token, or None if it must accept it."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme != "Bearer" or not token:
        return "no bearer token"
    header = jwt.get_unverified_header(token)
    if header["alg"] != "RS256":
        return f"algorithm {header['alg']}"
    published = world.emu.emulator.channel_keys.jwks()["keys"]
    jwk = next((key for key in published if key["kid"] == header.get("kid")), None)
    if jwk is None:
        return "unknown key"
    if activity["channelId"] not in jwk["endorsements"]:
        return f"key not endorsed for {activity['channelId']}"
    try:
        claims = jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=["RS256"],
            audience=world.bot.app_id,
            issuer="https://api.botframework.com",
            leeway=300,
            options={"require": ["exp", "nbf", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        return "expired"
    except jwt.ImmatureSignatureError:
        return "not valid yet"
    except jwt.InvalidAudienceError:
        return "wrong audience"
    except jwt.InvalidIssuerError:
        return "wrong issuer"
    if claims.get("serviceurl") != activity["serviceUrl"]:
        return "serviceurl claim does not match"
    return None


async def test_send_activity_with_custom_token_and_no_token(world: World) -> None:
    driver = world.emu.driver
    activity = (await driver.post_message(world.channel, world.alice, "x")).activity  # type: ignore[union-attr]
    await driver.send_activity(world.bot, activity, token="abc.def.ghi")
    assert world.recorder.headers[-1]["authorization"] == "Bearer abc.def.ghi"
    await driver.send_activity(world.bot, activity, token="")
    assert "authorization" not in world.recorder.headers[-1]


async def test_bot_errors_and_unreachable_endpoints_are_reported(emu: RunningEmulator) -> None:
    driver = emu.driver
    tenant = driver.create_tenant()
    user = driver.create_user(tenant, "Dana")
    team = driver.create_team(tenant, "T", [user])
    bot = emu.emulator.add_bot(tenant=tenant, endpoint="http://127.0.0.1:9/api/messages")
    responses = await driver.install_bot(bot, team)
    assert [r.status for r in responses] == [0, 0]
    assert responses[0].error and "ConnectError" in responses[0].error
    assert emu.emulator.transcript.query(direction="teams_to_bot")[0].error == responses[0].error
