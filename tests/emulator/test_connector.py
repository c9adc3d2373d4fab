"""The Bot Connector API: conversations, activities, teams, members, auth and roster checks."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from teams_emulator import sign_jwt

from .conftest import World

DENIED = {"message": "Authorization has been denied for this request."}


def _enc(value: str) -> str:
    return quote(value, safe="")


async def _new_thread(world: World, text: str = "root") -> dict[str, str]:
    response = await world.http.post(
        f"{world.service_url}v3/conversations",
        json={
            "isGroup": True,
            "channelData": {"channel": {"id": world.channel.id}},
            "activity": {"type": "message", "text": text},
            "tenantId": world.tenant.id,
        },
        headers=await world.auth(),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_channel_thread_returns_thread_id_and_activity_id(world: World) -> None:
    created = await _new_thread(world, "Build 42 is out")
    assert created["id"] == f"{world.channel.id};messageid={created['activityId']}"
    messages = world.emu.emulator.world.conversations[world.channel.id].messages
    root = messages[created["activityId"]]
    assert root.text == "Build 42 is out"
    assert root.thread_root == root.id
    assert root.sender_id == world.bot.mri


async def test_create_conversation_bad_syntax(world: World) -> None:
    url = f"{world.service_url}v3/conversations"
    headers = await world.auth()
    no_activity = {"isGroup": True, "channelData": {"channel": {"id": world.channel.id}}}
    group_chat = {
        "isGroup": True,
        "members": [{"id": world.alice.id}, {"id": world.bob.id}],
        "tenantId": world.tenant.id,
    }
    for body in (no_activity, group_chat, {}):
        response = await world.http.post(url, json=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BadSyntax"


async def test_personal_chat_creation_is_idempotent_and_can_post(world: World) -> None:
    url = f"{world.service_url}v3/conversations"
    headers = await world.auth()
    body = {"bot": {"id": world.bot.mri}, "members": [{"id": world.alice.id}]}
    # botbuilder-python serialises the tenant as "tenantID": accepted case-insensitively.
    first = await world.http.post(url, json={**body, "tenantID": world.tenant.id}, headers=headers)
    second = await world.http.post(
        url,
        json={**body, "tenantId": world.tenant.id, "activity": {"type": "message", "text": "hi"}},
        headers=headers,
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"].startswith("a:")
    assert first.json()["id"] == second.json()["id"]
    assert "activityId" not in first.json() and "activityId" in second.json()


async def test_personal_chat_needs_a_shared_team_or_an_install(world: World) -> None:
    stranger = world.emu.driver.create_user(world.tenant, "Carol Stranger")
    response = await world.http.post(
        f"{world.service_url}v3/conversations",
        json={"members": [{"id": stranger.id}], "tenantId": world.tenant.id},
        headers=await world.auth(),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ForbiddenOperationException"


@pytest.mark.parametrize("encode", [False, True], ids=["raw", "percent-encoded"])
async def test_send_reply_update_delete(world: World, encode: bool) -> None:
    created = await _new_thread(world)
    thread = _enc(created["id"]) if encode else created["id"]
    base = f"{world.service_url}v3/conversations/{thread}/activities"
    headers = await world.auth()
    reply = await world.http.post(base, json={"type": "message", "text": "r1"}, headers=headers)
    assert reply.status_code == 201
    reply_id = reply.json()["id"]
    to_activity = await world.http.post(
        f"{base}/{reply_id}", json={"type": "message", "text": "r2"}, headers=headers
    )
    assert to_activity.status_code == 201
    conversation = world.emu.emulator.world.conversations[world.channel.id]
    thread_messages = conversation.thread(created["activityId"])
    assert [m.text for m in thread_messages] == ["root", "r1", "r2"]
    assert thread_messages[2].reply_to_id == reply_id
    updated = await world.http.put(
        f"{base}/{reply_id}", json={"type": "message", "text": "r1 (edited)"}, headers=headers
    )
    assert updated.status_code == 200 and updated.json() == {"id": reply_id}
    assert conversation.messages[reply_id].text == "r1 (edited)"
    assert conversation.messages[reply_id].updated is not None
    deleted = await world.http.delete(f"{base}/{reply_id}", headers=headers)
    assert deleted.status_code == 200
    assert conversation.messages[reply_id].deleted
    again = await world.http.delete(f"{base}/{reply_id}", headers=headers)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "ActivityNotFoundInConversation"


async def test_send_to_channel_without_thread_starts_a_new_post(world: World) -> None:
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "message", "text": "top level"},
        headers=await world.auth(),
    )
    assert response.status_code == 201
    message = world.emu.emulator.world.conversations[world.channel.id].messages[
        response.json()["id"]
    ]
    assert message.thread_root == message.id


async def test_bot_cannot_edit_a_users_message(world: World) -> None:
    await world.emu.driver.post_message(world.channel, world.alice, "hello")
    conversation = world.emu.emulator.world.conversations[world.channel.id]
    user_message = next(iter(conversation.messages.values()))
    response = await world.http.put(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities/{user_message.id}",
        json={"type": "message", "text": "hijacked"},
        headers=await world.auth(),
    )
    assert response.status_code == 403
    assert user_message.text != "hijacked"


async def test_typing_gets_an_empty_answer_and_is_not_stored(world: World) -> None:
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "typing"},
        headers=await world.auth(),
    )
    assert response.status_code == 200 and response.content == b""
    assert not world.emu.emulator.world.conversations[world.channel.id].messages


async def test_oversized_and_malformed_activities(world: World) -> None:
    url = f"{world.service_url}v3/conversations/{world.channel.id}/activities"
    headers = await world.auth()
    big = await world.http.post(
        url, json={"type": "message", "text": "x" * 40_000}, headers=headers
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "MessageSizeTooBig"
    untyped = await world.http.post(url, json={"text": "no type"}, headers=headers)
    assert untyped.status_code == 400


async def test_unknown_conversation_and_deleted_channel_are_404(world: World) -> None:
    headers = await world.auth()
    unknown = await world.http.post(
        f"{world.service_url}v3/conversations/19:nope@thread.tacv2/activities",
        json={"type": "message", "text": "x"},
        headers=headers,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "ConversationNotFound"
    await world.emu.driver.delete_channel(world.channel)
    gone = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "message", "text": "x"},
        headers=headers,
    )
    assert gone.status_code == 404


async def test_removed_bot_gets_403_bot_not_in_conversation_roster(world: World) -> None:
    headers = await world.auth()
    url = f"{world.service_url}v3/conversations/{world.channel.id}/activities"
    ok = await world.http.post(url, json={"type": "message", "text": "x"}, headers=headers)
    assert ok.status_code == 201
    await world.emu.driver.remove_bot(world.bot, world.team)
    refused = await world.http.post(url, json={"type": "message", "text": "x"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "BotNotInConversationRoster",
            "message": "The bot is not part of the conversation roster.",
        }
    }
    team = await world.http.get(f"{world.service_url}v3/teams/{world.team.id}", headers=headers)
    assert team.status_code == 403


async def test_personal_chat_roster_follows_personal_install(world: World) -> None:
    driver = world.emu.driver
    await driver.remove_bot(world.bot, world.team)
    await driver.install_bot_personal(world.bot, world.alice)
    chat = driver.personal_chat(world.bot, world.alice)
    url = f"{world.service_url}v3/conversations/{_enc(chat.id)}/activities"
    headers = await world.auth()
    assert (
        await world.http.post(url, json={"type": "message"}, headers=headers)
    ).status_code == 201
    await driver.remove_bot_personal(world.bot, world.alice)
    assert (
        await world.http.post(url, json={"type": "message"}, headers=headers)
    ).status_code == 403


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer not-a-jwt", "Basic abc"],
    ids=["missing", "empty", "garbage", "basic"],
)
async def test_bad_bearer_gets_microsofts_401(world: World, authorization: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await world.http.get(
        f"{world.service_url}v3/teams/{world.team.id}/conversations", headers=headers
    )
    assert response.status_code == 401
    assert response.json() == DENIED


async def test_tokens_not_from_the_token_endpoint_are_refused(world: World) -> None:
    emulator = world.emu.emulator
    url = f"{world.service_url}v3/teams/{world.team.id}"
    channel_signed = emulator.channel_tokens.mint(world.bot.app_id, world.service_url)
    claims = {
        "aud": "https://api.botframework.com",
        "iss": f"https://sts.windows.net/{world.tenant.id}/",
        "appid": world.bot.app_id,
        "exp": int(emulator.clock()) + 600,
    }
    forged = sign_jwt(claims, key=emulator.login_keys.unpublished_key())
    unsigned = sign_jwt(claims, algorithm="none")
    for token in (channel_signed, forged, unsigned):
        response = await world.http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


async def test_lowercase_bearer_scheme_is_accepted(world: World) -> None:
    token = await world.token()
    response = await world.http.get(
        f"{world.service_url}v3/teams/{world.team.id}", headers={"Authorization": f"bearer {token}"}
    )
    assert response.status_code == 200


async def test_team_details_and_channels(world: World) -> None:
    headers = await world.auth()
    team = await world.http.get(
        f"{world.service_url}v3/teams/{_enc(world.team.id)}", headers=headers
    )
    assert team.status_code == 200
    assert team.json()["id"] == world.team.id
    assert team.json()["name"] == "Engineering"
    assert team.json()["aadGroupId"] == world.team.aad_group_id
    channels = await world.http.get(
        f"{world.service_url}v3/teams/{world.team.id}/conversations", headers=headers
    )
    assert channels.json() == {
        "conversations": [
            {"id": world.team.id, "name": None},
            {"id": world.channel.id, "name": "Releases"},
        ]
    }


async def test_members_paged_and_single(world: World) -> None:
    driver = world.emu.driver
    for n in range(118):
        driver.add_member(world.team, driver.create_user(world.tenant, f"User {n:03d}"))
    headers = await world.auth()
    base = f"{world.service_url}v3/conversations/{_enc(world.channel.id)}"
    everyone = (await world.http.get(f"{base}/members", headers=headers)).json()
    assert len(everyone) == 120
    seen: list[str] = []
    token = None
    sizes = []
    while True:
        params = {"pageSize": "10"} | ({"continuationToken": token} if token else {})
        page = (await world.http.get(f"{base}/pagedmembers", params=params, headers=headers)).json()
        sizes.append(len(page["members"]))
        seen += [m["id"] for m in page["members"]]
        token = page.get("continuationToken")
        if not token:
            break
    assert sizes == [50, 50, 20]  # page sizes below 50 count as 50
    assert seen == [m["id"] for m in everyone]
    member = await world.http.get(f"{base}/members/{world.alice.aad_object_id}", headers=headers)
    assert member.json()["id"] == world.alice.id
    assert member.json()["objectId"] == world.alice.aad_object_id
    assert member.json()["userPrincipalName"] == world.alice.email
    missing = await world.http.get(f"{base}/members/29:nobody", headers=headers)
    assert missing.status_code == 404
    bad = await world.http.get(
        f"{base}/pagedmembers", params={"continuationToken": "garbage!"}, headers=headers
    )
    assert bad.status_code == 400


async def test_get_conversations_lists_the_bots_conversations(world: World) -> None:
    response = await world.http.get(
        f"{world.service_url}v3/conversations", headers=await world.auth()
    )
    ids = {c["id"] for c in response.json()["conversations"]}
    assert ids == {world.team.id, world.channel.id}


async def test_service_url_without_tenant_segment_also_works(world: World) -> None:
    response = await world.http.get(
        f"{world.emu.service_url('teams')}v3/teams/{world.team.id}", headers=await world.auth()
    )
    assert response.status_code == 200
