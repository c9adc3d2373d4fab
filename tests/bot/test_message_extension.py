"""The message extension through HTTP with signed JWTs, as the Teams emulator's compose box sends
it: permalinks unfold into the codemark's live card in a channel the bot never joined, nothing for
those who may not see it, the extension's sign-in for users not linked; search by file path and
by words, newest first, paged as Teams pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.bot.compose_world import card_text, compose_scene, inbound_rows

from support.bots import BotWorld, start_bot_world
from support.teams_flow import browser, code_on, sign_in
from teams_emulator.compose import ComposeAnswer


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    """Our app with `publicApiUrl` its own address (the sign-in page can be followed)."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        yield world


async def test_a_pasted_permalink_unfolds_into_the_live_card(
    world: BotWorld, database_url: str
) -> None:
    scene = await compose_scene(world)
    codemark = await scene.api.create_codemark(
        scene.alice, scene.team_id, type="issue", title="Retry loop never gives up"
    )
    before = inbound_rows(database_url)

    answer = await scene.paste(world.alice, scene.link(codemark["id"], "?from=ide#top"))

    assert answer.kind == "result", answer
    assert "Retry loop never gives up" in card_text(answer.card)
    assert answer.cache == {"cacheType": "cache", "cacheDuration": 300}
    assert answer.attachments[0]["preview"]["content"]["title"] == "Retry loop never gives up"
    assert world.alice.id in answer.card["refresh"]["userIds"]  # type: ignore[index]
    assert inbound_rows(database_url) == before  # a read: no dedupe row, no turn

    resolved = await world.app_client.patch(
        f"/api/v1/codemarks/{codemark['id']}",
        json={"status": "closed"},
        headers=scene.alice.headers,
    )
    assert resolved.status_code == 200, resolved.text
    again = await scene.paste(world.alice, scene.link(codemark["id"]))
    assert "Resolved" in card_text(again.card)


async def test_a_codemark_the_user_may_not_see_unfolds_to_nothing(world: BotWorld) -> None:
    scene = await compose_scene(world)
    codemark = await scene.api.create_codemark(
        scene.alice, scene.team_id, title="Secret plans for the roadmap"
    )
    outsider = await scene.api.sign_up("mallory")
    other_team = await scene.api.create_team(outsider, "Elsewhere")
    await world.emu.driver.install_bot_personal(world.bot, world.bob)
    await sign_in(world, world.bob, outsider, [other_team["id"]])

    seen = await scene.paste(world.bob, scene.link(codemark["id"]))
    unknown = await scene.paste(world.bob, scene.link("0" * 24))

    assert seen.kind == "result" and seen.attachments == []
    assert seen.to_json() | {"elapsed": 0} == unknown.to_json() | {"elapsed": 0}
    assert "Secret" not in json.dumps(seen.to_json())
    forged = {
        "preview": {"content": {"tap": {"type": "invoke", "value": {"codemarkId": codemark["id"]}}}}
    }
    chosen = await world.emu.driver.compose.choose(scene.chat, world.bob, forged, world.bot)
    assert chosen.message is None and chosen.answer is not None
    assert chosen.answer.attachments == []


async def test_a_user_not_linked_signs_in_and_the_query_comes_back_with_the_code(
    world: BotWorld,
) -> None:
    scene = await compose_scene(world)
    codemark = await scene.api.create_codemark(scene.alice, scene.team_id, title="Flaky test")
    bob = await scene.api.sign_up("bob")
    await scene.api.add_member(scene.alice, scene.team_id, bob)

    asked = await scene.paste(world.bob, scene.link(codemark["id"]))

    assert asked.kind == "auth", asked
    assert "/web/msteams/signin?state=" in asked.sign_in_url
    async with browser(world) as person:
        picker = await person.open_signin(asked.sign_in_url, bob.email, "correct horse 1")
        assert picker.status_code == 200, picker.text
        done = await person.submit(picker, [scene.team_id])
        assert done.status_code == 200, done.text
    code = code_on(done)

    compose = world.emu.driver.compose
    wrong = await compose.resume(world.bob, world.bot, "not-the-code")
    assert wrong.kind == "auth"  # a bad code changes nothing: asked again
    answer = await compose.resume(world.bob, world.bot, code)
    assert answer.kind == "result"
    assert "Flaky test" in card_text(answer.card)
    later = await scene.paste(world.bob, scene.link(codemark["id"]))
    assert later.kind == "result" and "Flaky test" in card_text(later.card)


async def test_search_finds_by_file_path_and_by_words_newest_first(world: BotWorld) -> None:
    scene = await compose_scene(world)
    api, alice, team = scene.api, scene.alice, scene.team_id
    marker = {"file": "src/billing/invoice_totals.py", "lineStart": 1, "lineEnd": 2, "code": "x"}
    by_path = await api.create_codemark(alice, team, title="Rounding", markers=[marker])
    by_text = await api.create_codemark(
        alice, team, title="Slow page", text="The dashboard recomputes everything on scroll."
    )
    tagged = await api.create_codemark(alice, team, title="Later", tags=["performance"])

    path = await scene.search(world.alice, "billing/invoice_totals.py")
    word = await scene.search(world.alice, "recompute")
    tag = await scene.search(world.alice, "perf")
    opened = await scene.search(world.alice, "")

    def titles(answer: ComposeAnswer) -> list[str]:
        assert answer.kind == "result", answer
        return [a["preview"]["content"]["title"] for a in answer.attachments]

    assert titles(path) == ["Rounding"]
    assert titles(word) == ["Slow page"]
    assert titles(tag) == ["Later"]
    assert titles(opened) == ["Later", "Slow page", "Rounding"]  # newest first
    chosen = await world.emu.driver.compose.choose(
        scene.chat, world.alice, path.attachments[0], world.bot
    )
    assert chosen.message is not None  # the live card, asked for when chosen (selectItem)
    [card] = chosen.message.attachments
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "Rounding" in json.dumps(card["content"]) and "refresh" in card["content"]
    assert {by_path["id"], by_text["id"], tagged["id"]}  # all three made through the API


async def test_search_pages_as_teams_asks(world: BotWorld) -> None:
    scene = await compose_scene(world)
    for n in range(7):
        await scene.api.create_codemark(scene.alice, scene.team_id, title=f"Widget note {n}")
    await scene.api.create_codemark(scene.alice, scene.team_id, title="Unrelated")

    pages = [await scene.search(world.alice, "widget", skip=skip, count=3) for skip in (0, 3, 6, 9)]

    seen = [[a["preview"]["content"]["title"] for a in page.attachments] for page in pages]
    assert seen == [
        ["Widget note 6", "Widget note 5", "Widget note 4"],
        ["Widget note 3", "Widget note 2", "Widget note 1"],
        ["Widget note 0"],
        [],
    ]
    nothing = await scene.search(world.alice, "zebra")
    assert nothing.kind == "message"


async def test_a_card_inserted_from_a_search_acts_through_the_bot(world: BotWorld) -> None:
    scene = await compose_scene(world)
    issue = await scene.api.create_codemark(
        scene.alice, scene.team_id, type="issue", title="Cache never expires"
    )
    found = await scene.search(world.alice, "cache expires")
    compose = world.emu.driver.compose
    inserted = (
        await compose.choose(scene.chat, world.alice, found.attachments[0], world.bot)
    ).message
    assert inserted is not None

    shown = await world.emu.driver.show_card(inserted, world.alice)  # Teams refreshes it for her
    assert shown is not None and "Assign to me" in card_text(shown)
    clicked = await world.emu.driver.execute_action(
        inserted, world.alice, verb="codemark.resolve", data={"codemarkId": issue["id"]}
    )

    assert clicked.status == 200 and clicked.body["statusCode"] == 200
    assert "Resolved" in card_text(clicked.body["value"])
    codemark = await world.app_client.get(
        f"/api/v1/codemarks/{issue['id']}", headers=scene.alice.headers
    )
    assert codemark.json()["status"] == "closed"


async def test_the_emulator_pages_compose_box_reaches_the_bot(world: BotWorld) -> None:
    """What the page's compose.js posts (the Chromium test drives the page itself)."""
    scene = await compose_scene(world)
    issue = await scene.api.create_codemark(scene.alice, scene.team_id, title="Leaky pool")
    base = {"conversationId": scene.chat.id, "userId": world.alice.id}
    async with httpx.AsyncClient(base_url=world.emu.base_url, timeout=20) as page:
        apps = (await page.get("/_emulator/ui/compose/apps")).json()
        assert [a["appId"] for a in apps] == [world.bot.app_id]
        other = await page.post(
            "/_emulator/ui/compose/link", json={**base, "url": "https://example.org/c/1"}
        )
        assert other.json() == {"registered": False}
        pasted = await page.post(
            "/_emulator/ui/compose/link", json={**base, "url": scene.link(issue["id"])}
        )
        answer = pasted.json()["answer"]
        assert answer["kind"] == "result" and "Leaky pool" in card_text(answer["attachments"][0])
        searched = await page.post(
            "/_emulator/ui/compose/search",
            json={**base, "appId": world.bot.app_id, "text": "leaky"},
        )
        [found] = searched.json()["answer"]["attachments"]
        inserted = await page.post(
            "/_emulator/ui/compose/insert",
            json={**base, "appId": world.bot.app_id, "attachment": found},
        )
        assert inserted.status_code == 200
        view = await page.get(
            f"/_emulator/ui/conversations/{scene.chat.id}", params={"as": world.alice.id}
        )
    assert "Leaky pool" in json.dumps(view.json())


async def test_malformed_compose_invokes_get_an_empty_answer(world: BotWorld) -> None:
    scene = await compose_scene(world)
    sent = await world.emu.driver.compose.search(scene.chat, world.alice, "x", bot=world.bot)
    assert sent.kind in ("result", "message")
    frame = world.emu.emulator.transcript.query(route="composeExtension/query")[-1]
    activity = json.loads(frame.request_body)
    for name, value in (
        ("composeExtension/query", {"commandId": 7, "parameters": "x", "queryOptions": [1]}),
        (
            "composeExtension/query",
            {"commandId": "searchCodemarks", "queryOptions": {"skip": "9" * 40}},
        ),
        ("composeExtension/queryLink", {"url": ["https://x"]}),
        ("composeExtension/queryLink", "https://x"),
        ("composeExtension/selectItem", {"codemarkId": {"$ne": None}}),
        ("composeExtension/selectItem", None),
    ):
        activity.update(id=f"f:bad-{len(name)}-{hash(json.dumps(value))}", name=name, value=value)
        answer = await world.emu.driver.send_activity(world.bot, activity)
        assert answer.status == 200, (name, value, answer.body)
        assert "composeExtension" in answer.body
