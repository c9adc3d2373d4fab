"""Universal Actions as Teams plays them, driven without a browser: `Action.Execute` invokes and
Teams' reading of each answer, sign-in through a loginRequest, `refresh` with `userIds`, and the
connector's rules for updating a card's message (the page's side is in
test_universal_actions_browser.py)."""

from __future__ import annotations

from typing import Any

import httpx

from teams_emulator import Message
from teams_emulator.universal_actions import UNREACHABLE, read_answer

from .conftest import World
from .test_driver import _common, _verify

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def _card(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": text},
            {"type": "Input.Text", "id": "comment", "isMultiline": True},
        ],
        "actions": [
            {"type": "Action.Execute", "id": "go", "title": "Go", "verb": "go", "data": {"n": 1}}
        ],
        **extra,
    }


async def _bot_posts(world: World, card: dict[str, Any]) -> Message:
    response = await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "message", "attachments": [{"contentType": ADAPTIVE, "content": card}]},
        headers=await world.auth(),
    )
    assert response.status_code == 201, response.text
    return world.emu.emulator.world.conversations[world.channel.id].messages[response.json()["id"]]


def _answers(body: Any, status: int = 200) -> Any:
    return lambda activity: (status, body)


def _card_actions(world: World) -> list[dict[str, Any]]:
    return [a for a in world.recorder.of_type("invoke") if a["name"] == "adaptiveCard/action"]


async def test_a_click_sends_a_signed_invoke_with_the_inputs_merged_into_data(
    world: World,
) -> None:
    message = await _bot_posts(world, _card("Review?"))
    response = await world.emu.driver.execute_action(
        message, world.bob, verb="go", data={"n": 1}, inputs={"comment": "lgtm"}, action_id="go"
    )
    [invoke] = _card_actions(world)
    assert invoke["value"] == {
        "action": {
            "type": "Action.Execute",
            "id": "go",
            "verb": "go",
            "data": {"n": 1, "comment": "lgtm"},
        },
        "trigger": "manual",
    }
    assert invoke["replyToId"] == message.id
    assert invoke["channelData"]["legacy"] == {"replyToId": message.id}
    assert invoke["channelData"]["source"] == {"name": "message"}
    assert invoke["id"].startswith("f:")
    _common(world, invoke, world.bob.id)
    claims = _verify(world, world.recorder.headers[-1], invoke)
    assert claims["serviceurl"] == world.service_url
    assert response.status == 200


async def test_a_card_answer_replaces_the_card_for_the_clicking_user_only(world: World) -> None:
    message = await _bot_posts(world, _card("Open"))
    done = _card("Resolved by Bob")
    world.recorder.answer = _answers({"statusCode": 200, "type": ADAPTIVE, "value": done})
    driver = world.emu.driver
    response = await driver.execute_action(message, world.bob, verb="go")
    assert read_answer(response).kind == "card"
    assert driver.card_for(message, world.bob) == done
    assert driver.card_for(message, world.alice) == _card("Open")
    assert message.attachments[0]["content"] == _card("Open")


async def test_message_error_and_malformed_answers_are_shown_as_teams_shows_them(
    world: World,
) -> None:
    message = await _bot_posts(world, _card("Open"))
    driver = world.emu.driver
    cases = [
        (
            _answers(
                {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.activity.message",
                    "value": "Saved",
                }
            ),
            ("message", "Saved"),
        ),
        (
            _answers(
                {
                    "statusCode": 403,
                    "type": "application/vnd.microsoft.error",
                    "value": {"code": "forbidden", "message": "You may not change this."},
                }
            ),
            ("error", "You may not change this."),
        ),
        (
            _answers({"type": "application/vnd.microsoft.activity.message", "value": "No code"}),
            ("message", "No code"),
        ),
        (
            _answers({"statusCode": 200, "type": "text/plain", "value": "?"}),
            ("invalid", "Something went wrong. Please try again."),
        ),
        (_answers(None, 500), ("unreachable", UNREACHABLE)),
        (
            _answers({"statusCode": 200, "type": ADAPTIVE, "value": _card("x")}, 202),
            ("unreachable", UNREACHABLE),
        ),
    ]
    for answer, (kind, text) in cases:
        world.recorder.answer = answer
        response = await driver.execute_action(message, world.alice, verb="go")
        assert (read_answer(response).kind, read_answer(response).text) == (kind, text)
        assert driver.view_of(message, world.alice).notice == {
            "kind": kind,
            "text": text,
            "detail": read_answer(response).detail,
        }
        assert driver.card_for(message, world.alice) == _card("Open")


async def test_teams_waits_five_seconds_then_shows_unable_to_reach_app(world: World) -> None:
    message = await _bot_posts(world, _card("Open"))
    waited: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        waited.append(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("slow bot", request=request)

    world.emu.driver.use_client(httpx.AsyncClient(transport=httpx.MockTransport(slow)))
    response = await world.emu.driver.execute_action(message, world.alice, verb="go")
    assert waited == [5.0]
    assert response.status == 0 and response.error == "timeout"
    assert read_answer(response).text == UNREACHABLE
    assert world.emu.driver.view_of(message, world.alice).notice["text"] == UNREACHABLE


LOGIN = {
    "statusCode": 401,
    "type": "application/vnd.microsoft.activity.loginRequest",
    "value": {
        "text": "Please sign in",
        "connectionName": "codestream",
        "buttons": [{"type": "signin", "title": "Sign in", "value": "https://cs.example/signin"}],
    },
}


async def test_a_login_request_is_resent_with_the_state_after_sign_in(world: World) -> None:
    message = await _bot_posts(world, _card("Open"))
    driver = world.emu.driver
    world.recorder.answer = _answers(LOGIN)
    first = await driver.execute_action(
        message, world.bob, verb="go", data={"n": 1}, inputs={"comment": "hi"}, action_id="go"
    )
    answer = read_answer(first)
    assert answer.kind == "login" and answer.login == LOGIN["value"]
    prompt = driver.view_of(message, world.bob).prompt
    assert prompt is not None and prompt["login"] == LOGIN["value"]
    assert driver.view_of(message, world.alice).prompt is None

    done = _card("Signed in and done")
    world.recorder.answer = _answers({"statusCode": 200, "type": ADAPTIVE, "value": done})
    await driver.resume_action(message, world.bob, "123456")
    first_invoke, again = _card_actions(world)
    assert again["value"] == {**first_invoke["value"], "state": "123456"}
    assert again["from"]["id"] == world.bob.id and again["replyToId"] == message.id
    assert driver.card_for(message, world.bob) == done
    assert driver.view_of(message, world.bob).prompt is None

    # The same re-send, spelled out by a test: execute_action(..., state=code).
    await driver.execute_action(message, world.alice, verb="go", state="654321")
    assert _card_actions(world)[-1]["value"]["state"] == "654321"


async def test_a_login_request_without_connection_name_is_ignored(world: World) -> None:
    message = await _bot_posts(world, _card("Open"))
    world.recorder.answer = _answers({**LOGIN, "value": {**LOGIN["value"], "connectionName": ""}})
    response = await world.emu.driver.execute_action(message, world.bob, verb="go")
    assert read_answer(response).kind == "invalid"
    assert world.emu.driver.view_of(message, world.bob).prompt is None


def _refreshing(user_ids: list[str] | None, text: str = "Base") -> dict[str, Any]:
    refresh: dict[str, Any] = {
        "action": {"type": "Action.Execute", "verb": "view", "data": {"codemark": 9}}
    }
    if user_ids is not None:
        refresh["userIds"] = user_ids
    return _card(text, refresh=refresh)


def _personal_answer(activity: dict[str, Any]) -> tuple[int, Any]:
    name = activity["from"]["name"]
    return 200, {"statusCode": 200, "type": ADAPTIVE, "value": _card(f"For {name}")}


async def test_refresh_is_automatic_for_listed_users_and_manual_for_the_others(
    world: World,
) -> None:
    message = await _bot_posts(world, _refreshing([world.bob.id]))
    world.recorder.answer = _personal_answer
    driver = world.emu.driver

    shown = await driver.show_card(message, world.bob)
    assert shown == _card("For Bob Jones")
    [invoke] = _card_actions(world)
    assert invoke["value"] == {
        "action": {"type": "Action.Execute", "verb": "view", "data": {"codemark": 9}},
        "trigger": "automatic",
    }
    assert invoke["from"]["id"] == world.bob.id
    # Shown again within a minute: no new invoke.
    assert await driver.show_card(message, world.bob) == _card("For Bob Jones")
    assert len(_card_actions(world)) == 1

    # Alice is not listed: the card stays the base one until she refreshes it by hand.
    assert await driver.show_card(message, world.alice) == _refreshing([world.bob.id])
    assert len(_card_actions(world)) == 1
    assert driver.universal_actions.refresh_plan(message, world.alice).mode == "manual"
    await driver.refresh_card(message, world.alice)
    assert _card_actions(world)[-1]["value"]["trigger"] == "manual"
    assert driver.card_for(message, world.alice) == _card("For Alice Smith")


async def test_an_automatic_refresh_waits_a_minute_after_the_last_invoke(world: World) -> None:
    message = await _bot_posts(world, _refreshing([world.bob.id]))
    world.recorder.answer = _answers(None, 500)
    driver = world.emu.driver
    await driver.show_card(message, world.bob)
    await driver.show_card(message, world.bob)
    assert len(_card_actions(world)) == 1
    assert driver.view_of(message, world.bob).notice is None  # a failed refresh says nothing
    world.emu.emulator.clock.advance(61)  # type: ignore[attr-defined]
    await driver.show_card(message, world.bob)
    assert len(_card_actions(world)) == 2


async def test_refresh_user_ids_over_sixty_refresh_nobody_automatically(world: World) -> None:
    listed = [world.bob.id, *[f"29:user-{n}" for n in range(60)]]
    message = await _bot_posts(world, _refreshing(listed))
    driver = world.emu.driver
    plan = driver.universal_actions.refresh_plan(message, world.bob)
    assert plan.mode == "manual" and "at most 60" in plan.problem
    await driver.show_card(message, world.bob)
    assert _card_actions(world) == []
    # Sixty is allowed.
    exactly = await _bot_posts(world, _refreshing(listed[:60]))
    assert driver.universal_actions.refresh_plan(exactly, world.bob).mode == "automatic"


async def test_empty_or_missing_user_ids(world: World) -> None:
    driver = world.emu.driver
    nobody = await _bot_posts(world, _refreshing([]))
    assert driver.universal_actions.refresh_plan(nobody, world.bob).mode == "manual"
    # Without userIds Teams refreshes everyone in a conversation of at most 60 members.
    everyone = await _bot_posts(world, _refreshing(None))
    assert driver.universal_actions.refresh_plan(everyone, world.alice).mode == "automatic"
    plain = await _bot_posts(world, _card("No refresh"))
    assert driver.universal_actions.refresh_plan(plain, world.alice).mode == "none"


async def test_a_message_update_replaces_every_users_view(world: World) -> None:
    message = await _bot_posts(world, _refreshing([world.bob.id]))
    world.recorder.answer = _personal_answer
    driver = world.emu.driver
    await driver.show_card(message, world.bob)
    assert driver.card_for(message, world.bob) == _card("For Bob Jones")
    updated = await world.http.put(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities/{message.id}",
        json={
            "type": "message",
            "attachments": [
                {"contentType": ADAPTIVE, "content": _refreshing([world.bob.id], "v2")}
            ],
        },
        headers=await world.auth(),
    )
    assert updated.status_code == 200
    assert driver.card_for(message, world.alice) == _refreshing([world.bob.id], "v2")
    # Bob's client refreshes the new card at once (no minute to wait after an update).
    assert driver.universal_actions.refresh_due(message, world.bob)
    assert await driver.show_card(message, world.bob) == _card("For Bob Jones")
    assert len(_card_actions(world)) == 2


async def test_updates_of_a_deleted_message_are_404_and_count_toward_the_limits(
    world: World,
) -> None:
    message = await _bot_posts(world, _card("Open"))
    url = f"{world.service_url}v3/conversations/{world.channel.id}/activities/{message.id}"
    headers = await world.auth()
    statuses = []
    for n in range(8):
        put = await world.http.put(url, json={"type": "message", "text": f"v{n}"}, headers=headers)
        statuses.append(put.status_code)
    # The post above and seven updates fill the 7-in-1-second window for the thread.
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]
    assert int(put.headers["Retry-After"]) >= 1
    assert put.json()["error"]["code"] == "Throttled"
    assert message.text == "v5"
    world.emu.emulator.clock.advance(3)  # type: ignore[attr-defined]

    world.emu.driver.delete_message(message)
    gone = await world.http.put(url, json={"type": "message", "text": "late"}, headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "ActivityNotFoundInConversation"
    assert message.deleted and message.text == "v5"


async def test_a_bot_cannot_update_a_users_message(world: World) -> None:
    await world.emu.driver.post_message(world.channel, world.alice, "hello")
    conversation = world.emu.emulator.world.conversations[world.channel.id]
    users = next(iter(conversation.messages.values()))
    put = await world.http.put(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities/{users.id}",
        json={"type": "message", "text": "hijacked"},
        headers=await world.auth(),
    )
    assert put.status_code == 403
    assert put.json()["error"]["code"] == "ForbiddenOperationException"
    assert users.text != "hijacked"


async def _page(world: World, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    url = f"{world.emu.base_url}/_emulator/ui/{path}"
    if body is None:
        return await world.http.get(url)
    return await world.http.post(url, json=body)


def _shown(view: dict[str, Any], message_id: str) -> dict[str, Any]:
    roots = [t["root"] for t in view["threads"]]
    return next(m for m in roots if m["id"] == message_id)


async def test_the_pages_routes_show_each_user_their_own_card(world: World) -> None:
    message = await _bot_posts(world, _refreshing([world.bob.id], "Base"))
    world.recorder.answer = _personal_answer
    where = {"conversationId": world.channel.id, "messageId": message.id}
    clicked = await _page(
        world,
        "actions",
        {**where, "userId": world.alice.id, "action": {"type": "Action.Execute", "verb": "go"}},
    )
    assert clicked.json()["answer"]["kind"] == "card"

    as_alice = (await _page(world, f"conversations/{world.channel.id}?as={world.alice.id}")).json()
    alice_sees = _shown(as_alice, message.id)
    assert alice_sees["attachments"][0]["content"] == _card("For Alice Smith")
    assert alice_sees["cardView"]["personal"] is True
    as_bob = (await _page(world, f"conversations/{world.channel.id}?as={world.bob.id}")).json()
    bob_sees = _shown(as_bob, message.id)["cardView"]
    assert bob_sees["personal"] is False and bob_sees["refresh"] == {
        "mode": "automatic",
        "problem": "",
        "due": True,
    }

    # Teams would not refresh Alice's card by itself: refused, nothing sent.
    sent = len(_card_actions(world))
    refused = await _page(
        world, "refresh", {**where, "userId": world.alice.id, "trigger": "automatic"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_request"
    no_prompt = await _page(
        world, "actions/resume", {**where, "userId": world.bob.id, "state": "1"}
    )
    assert no_prompt.status_code == 400
    assert len(_card_actions(world)) == sent
    automatic = await _page(
        world, "refresh", {**where, "userId": world.bob.id, "trigger": "automatic"}
    )
    assert automatic.json()["answer"]["kind"] == "card"
    assert _card_actions(world)[-1]["value"]["trigger"] == "automatic"

    deleted = await _page(world, "messages/delete", where)
    assert deleted.json() == {"deleted": message.id}
    after = (await _page(world, f"conversations/{world.channel.id}?as={world.bob.id}")).json()
    assert _shown(after, message.id)["deleted"] is True
    assert _shown(after, message.id)["cardView"] is None
