"""A sign-in completes only when its one-time code comes back from the Teams user who asked.

The phishing story of issue #15: a Teams user without a CodeStream account sends `signin` and
forwards the link to a CodeStream user who is logged in on the web. The victim's page names the
sender's Teams email and warns; submitting it links nothing; the sender can't complete it with a
made-up code or someone else's. The legitimate user completes it through Teams' hand-back
(`signin/verifyState`), and every bad hand-back gets 200 and a message, never a link.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    PASSWORD,
    bot_messages,
    browser,
    card_of,
    code_on,
    hand_back,
    no_new_messages,
    pick_teams,
    say,
    send_invoke,
    signin_url,
    text_of,
    wait_for_card,
)
from teams_emulator import User

NOT_SIGNED_IN = "Signed in as: Not signed in"
MADE_UP_CODE = "ABCD-EFGH-JKMN"


@dataclass
class Story:
    world: BotWorld
    victim: Member
    team_id: str


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[Story]:
    """Alice's and Bob's personal chats with the bot; a CodeStream user (the victim) who owns
    the team "Plant Eaters". Bob plays the attacker: a Teams user without a CodeStream account."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        for person in (world.alice, world.bob):
            await world.emu.driver.install_bot_personal(world.bot, person)
            await wait_for_card(world, _chat(world, person), "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        victim = await api.sign_up("victim")
        team = await api.create_team(victim, "Plant Eaters")
        yield Story(world, victim, team["id"])


def _chat(world: BotWorld, user: User) -> str:
    return world.emu.driver.personal_chat(world.bot, user).id


def _said(world: BotWorld, user: User) -> str:
    """Everything the bot said in the user's personal chat."""
    return "\n".join(text_of(m) for m in bot_messages(world, _chat(world, user)))


def _flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def _not_signed_in(world: BotWorld, user: User) -> None:
    assert NOT_SIGNED_IN in text_of(await say(world, user, "status"))
    assert "CodeStream user: not signed in" in text_of(await say(world, user, "debug"))


async def test_a_forwarded_link_links_nothing_and_the_sender_cannot_finish_it(
    story: Story,
) -> None:
    world, attacker = story.world, story.world.bob
    url = signin_url(card_of(await say(world, attacker, "signin")))
    async with browser(world) as victims_browser:
        picker = await victims_browser.open_signin(url, story.victim.email, PASSWORD)
        assert picker.status_code == 200, picker.text
        shown = _flat(picker.text)
        assert attacker.email in shown and "Bob Jones" in shown
        assert "contoso.onmicrosoft.com" in shown and world.tenant.id in shown
        assert "this Teams account acts as you in CodeStream" in shown
        assert "checked" not in picker.text  # nothing is picked for the victim
        done = await victims_browser.submit(picker, [story.team_id])
        assert done.status_code == 200, done.text
        code = code_on(done)
        warning = re.search(r'id="code-warning">(.*?)</p>', done.text, re.S)
        assert warning is not None
        words = _flat(warning.group(1))
        assert attacker.email in words
        assert "only in your own personal chat with the CodeStream bot" in words
        assert "Never give it to anyone else: whoever types it becomes you in CodeStream" in words

    # The page linked nothing and told the sender nothing.
    await _not_signed_in(world, attacker)
    attackers_chat = _chat(world, attacker)
    await no_new_messages(world, attackers_chat, len(bot_messages(world, attackers_chat)))
    assert "You're signed in" not in _said(world, attacker)

    # A made-up code from the sender: 200, a clear message, still nothing linked.
    answered = await hand_back(world, attacker, MADE_UP_CODE)
    assert answered.status == 200 and answered.body in ({}, None, "")
    await wait_for_card(world, _chat(world, attacker), "That code didn't work")
    await _not_signed_in(world, attacker)

    # The victim's own code (from the victim's own sign-in in Teams) doesn't work for the sender.
    _card, victims_code = await pick_teams(world, world.alice, story.victim, [story.team_id])
    before = len(bot_messages(world, _chat(world, attacker)))
    assert (await hand_back(world, attacker, victims_code)).status == 200
    await wait_for_card(world, _chat(world, attacker), "That code didn't work", since=before)
    await _not_signed_in(world, attacker)
    assert code != victims_code


async def test_the_user_who_asked_completes_it_through_teams(story: Story) -> None:
    world, alice = story.world, story.world.alice
    _card, code = await pick_teams(world, alice, story.victim, [story.team_id])
    await _not_signed_in(world, alice)

    # Bob hands back Alice's code: refused, and Alice's code still works for her.
    assert (await hand_back(world, world.bob, code)).status == 200
    await wait_for_card(world, _chat(world, world.bob), "That code didn't work")
    await _not_signed_in(world, world.bob)

    before = len(bot_messages(world, _chat(world, alice)))
    answered = await hand_back(world, alice, code)
    assert answered.status == 200
    confirmed = await wait_for_card(
        world,
        _chat(world, alice),
        f"You're signed in to CodeStream as {story.victim.email}",
        since=before,
    )
    assert "Linked CodeStream teams: Plant Eaters" in text_of(confirmed)
    assert "Plant Eaters: linked" in text_of(await say(world, alice, "status"))

    # Used up: handing it back again changes nothing and says so.
    before = len(bot_messages(world, _chat(world, alice)))
    assert (await hand_back(world, alice, code)).status == 200
    await wait_for_card(world, _chat(world, alice), "That code didn't work", since=before)


async def test_bad_hand_backs_and_failures_get_200_and_a_message(story: Story) -> None:
    world, alice = story.world, story.world.alice
    chat = _chat(world, alice)
    for state in (None, 5, "", "x" * 10_000, {"code": MADE_UP_CODE}):
        before = len(bot_messages(world, chat))
        answered = await hand_back(world, alice, state)
        assert answered.status == 200, (state, answered.body)
        await wait_for_card(world, chat, "That code didn't work", since=before)

    before = len(bot_messages(world, chat))
    failed = await send_invoke(
        world, alice, "signin/failure", {"code": "CancelledByUser", "message": "The window closed"}
    )
    assert failed.status == 200, failed.body
    told = await wait_for_card(world, chat, "Sign-in didn't finish", since=before)
    assert "The window closed" in text_of(told)
    await _not_signed_in(world, alice)


async def test_the_code_page_loads_teamsjs_and_our_script_under_a_narrow_policy(
    story: Story,
) -> None:
    """The scripts come from the configured `teamsJsUrl` (here the emulator's stand-in for
    TeamsJS) and our own origin, and nowhere else; pages before the code run no script."""
    world = story.world
    teams_js = world.emu.teams_js_url
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(teams_js))
    url = signin_url(card_of(await say(world, world.alice, "signin")))
    async with browser(world) as person:
        picker = await person.open_signin(url, story.victim.email, PASSWORD)
        done = await person.submit(picker, [story.team_id])
        policy = done.headers["content-security-policy"]
        assert f"script-src 'self' {origin};" in policy
        assert f"connect-src {origin}" in policy
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "cross-origin-opener-policy" not in done.headers  # would cut the popup's opener
        assert f'<script src="{teams_js}"' in done.text
        assert "integrity=" not in done.text  # the SRI hash belongs to Microsoft's build only
        assert '<script src="/web/static/msteams-signin.js"></script>' in done.text
        script = await person.client.get("/web/static/msteams-signin.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert "app.initialize()" in script.text and "notifySuccess(" in script.text
        # Other pages still run nothing.
        assert "script-src" not in picker.headers["content-security-policy"]


async def test_by_default_the_code_page_loads_microsofts_teamsjs_pinned_by_its_hash(
    database_url: str,
) -> None:
    def without_teams_js(block: dict[str, Any]) -> None:
        block.pop("teamsJsUrl", None)

    async with start_bot_world(
        database_url, public_url_is_served=True, migrate=False, edit=without_teams_js
    ) as world:
        await world.emu.driver.install_bot_personal(world.bot, world.alice)
        await wait_for_card(world, _chat(world, world.alice), "Welcome to CodeStream")
        victim = await Api(world.app_client, world.operator).sign_up("victim")
        team = await Api(world.app_client, world.operator).create_team(victim, "Plant Eaters")
        url = signin_url(card_of(await say(world, world.alice, "signin")))
        async with browser(world) as person:
            picker = await person.open_signin(url, victim.email, PASSWORD)
            done = await person.submit(picker, [team["id"]])
    policy = done.headers["content-security-policy"]
    assert "script-src 'self' https://res.cdn.office.net;" in policy
    assert re.search(
        r'<script src="https://res\.cdn\.office\.net/teams-js/[0-9.]+/js/MicrosoftTeams\.min\.js"'
        r' integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous"',
        done.text,
    ), done.text
