"""The sign-in link and page: tampered, expired, reused or cross-session requests are refused with
a clear page and change nothing; the page itself links nothing, and pasting its code into the
personal chat (as the Teams user who asked) completes a sign-in."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    PASSWORD,
    OffsetClock,
    bot_messages,
    browser,
    card_of,
    csrf_on,
    pick_teams,
    say,
    sign_in,
    signin_url,
    text_of,
    wait_for_card,
)

NOT_SIGNED_IN = "Signed in as: Not signed in"


@dataclass
class SignInWorld:
    world: BotWorld
    clock: OffsetClock
    alice: Member
    team_id: str


@pytest.fixture
async def setup(database_url: str) -> AsyncIterator[SignInWorld]:
    clock = OffsetClock()
    async with start_bot_world(
        database_url, public_url_is_served=True, migrate=False, clock=clock
    ) as world:
        await world.emu.driver.install_bot_personal(world.bot, world.alice)
        chat = world.emu.driver.personal_chat(world.bot, world.alice).id
        await wait_for_card(world, chat, "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        alice = await api.sign_up("alice")
        team = await api.create_team(alice, "Plant Eaters")
        yield SignInWorld(world, clock, alice, team["id"])


async def _link(world: BotWorld) -> str:
    return signin_url(card_of(await say(world, world.alice, "signin")))


def _tamper(url: str) -> str:
    state = parse_qs(urlsplit(url).query)["state"][0]
    payload, signature = state.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["uid"] = "29:someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return url.replace(quote(state, safe=""), quote(f"{forged}.{signature}", safe=""))


async def _still_signed_out(world: BotWorld) -> None:
    assert NOT_SIGNED_IN in text_of(await say(world, world.alice, "status"))


async def test_a_modified_or_foreign_state_is_400(setup: SignInWorld) -> None:
    world = setup.world
    url = await _link(world)
    async with browser(world) as person:
        for bad in (_tamper(url), url.split("state=")[0] + "state=junk", url + "x"):
            page = await person.open_signin(bad, setup.alice.email, PASSWORD)
            assert page.status_code == 400, page.text
            assert "This sign-in link is not valid" in page.text
    await _still_signed_out(world)


async def test_an_expired_link_is_410_before_signing_in_and_on_submit(setup: SignInWorld) -> None:
    world = setup.world
    url = await _link(world)
    setup.clock.advance(minutes=11)
    async with browser(world) as person:
        page = await person.client.get(url.split(str(world.app_client.base_url))[1])
        assert page.status_code == 410
        assert "This sign-in link has expired" in page.text
    setup.clock.advance(minutes=-11)
    async with browser(world) as person:
        picker = await person.open_signin(await _link(world), setup.alice.email, PASSWORD)
        setup.clock.advance(minutes=10)
        refused = await person.submit(picker, [setup.team_id])
        assert refused.status_code == 410 and "This sign-in link has expired" in refused.text
    setup.clock.advance(minutes=-10)
    await _still_signed_out(world)


async def test_a_used_link_is_410(setup: SignInWorld) -> None:
    world = setup.world
    url = await _link(world)
    async with browser(world) as person:
        picker = await person.open_signin(url, setup.alice.email, PASSWORD)
        assert (await person.submit(picker, [setup.team_id])).status_code == 200
        again = await person.client.get(urlsplit(url).path + "?" + urlsplit(url).query)
        assert again.status_code == 410 and "used already" in again.text
        resubmitted = await person.submit(picker, [setup.team_id])
        assert resubmitted.status_code == 410


async def test_a_used_link_says_so_before_asking_for_a_password(setup: SignInWorld) -> None:
    """Someone who opens a used link in a browser that isn't signed in (another device, the
    popup a second time) learns it at once; they aren't asked for their password first."""
    world = setup.world
    url = await _link(world)
    async with browser(world) as person:
        picker = await person.open_signin(url, setup.alice.email, PASSWORD)
        assert (await person.submit(picker, [setup.team_id])).status_code == 200
    path = urlsplit(url).path + "?" + urlsplit(url).query
    async with browser(world) as stranger:
        page = await stranger.client.get(path)
        assert page.status_code == 410, page.headers.get("location")
        assert "This link was used already" in page.text
        assert 'type="password"' not in page.text
        form = await stranger.client.get("/web/login", params={"next": path})
        assert form.status_code == 410
        assert "This link was used already" in form.text
        assert 'type="password"' not in form.text


async def test_a_fresh_link_says_why_you_sign_in_before_the_password(setup: SignInWorld) -> None:
    world = setup.world
    url = await _link(world)
    async with browser(world) as stranger:
        page = await stranger.client.get(urlsplit(url).path + "?" + urlsplit(url).query)
        assert page.status_code == 303
        form = await stranger.client.get(page.headers["location"])
    assert form.status_code == 200
    heading = form.text.index("Sign in to link Microsoft Teams")
    assert heading < form.text.index("You came from the CodeStream bot in Microsoft Teams")
    assert form.text.index("You came from") < form.text.index('type="password"')


async def test_another_session_cannot_submit_and_bad_picks_change_nothing(
    setup: SignInWorld,
) -> None:
    world = setup.world
    api = Api(world.app_client, world.operator)
    mallory = await api.sign_up("mallory")
    others = await api.create_team(mallory, "Mallory's")
    url = await _link(world)
    async with browser(world) as alices, browser(world) as mallorys:
        picker = await alices.open_signin(url, setup.alice.email, PASSWORD)
        await mallorys.log_in(mallory.email, PASSWORD, "/web/")
        stolen = await mallorys.submit(picker, [setup.team_id])
        assert stolen.status_code == 403 and "Nothing was changed" in stolen.text
        no_csrf = await alices.post_form(
            "/web/msteams/signin", [("state", "x"), ("team_id", setup.team_id)]
        )
        assert no_csrf.status_code == 403
        none_picked = await alices.submit(picker, [])
        assert none_picked.status_code == 400
        assert "Pick at least one CodeStream team to link." in none_picked.text
        not_mine = await alices.submit(picker, [others["id"]])
        assert not_mine.status_code == 400
        assert "only CodeStream teams you are a member of" in not_mine.text
        assert csrf_on(not_mine)  # the picker is shown again
    await _still_signed_out(world)
    done_later = await sign_in(world, world.alice, setup.alice, [setup.team_id])
    assert done_later


async def test_pasting_the_code_completes_a_sign_in(setup: SignInWorld) -> None:
    world = setup.world
    chat = world.emu.driver.personal_chat(world.bot, world.alice).id
    _card, code = await pick_teams(world, world.alice, setup.alice, [setup.team_id])
    await _still_signed_out(world)  # the page linked nothing
    pasted = text_of(await say(world, world.alice, code.lower()))
    assert pasted.startswith(f"You're signed in to CodeStream as {setup.alice.email}.")
    assert "Linked CodeStream teams: Plant Eaters" in pasted
    assert text_of(await say(world, world.alice, code)).startswith("That code didn't work")

    # The card's own box: Action.Submit with signInCode, after a second sign-in on the web.
    await say(world, world.alice, "logout")
    card, second = await pick_teams(world, world.alice, setup.alice, [setup.team_id])
    await _still_signed_out(world)
    before = len(bot_messages(world, chat))
    clicked = await world.emu.driver.submit_action(
        card, world.alice, {"action": "signincode"}, inputs={"signInCode": f" {second} "}
    )
    assert clicked.status == 200
    answer = await wait_for_card(world, chat, "You're signed in", since=before)
    assert setup.alice.email in text_of(answer)
    assert "Plant Eaters: linked" in text_of(await say(world, world.alice, "status"))


async def test_a_code_is_refused_after_10_minutes_and_for_another_teams_user(
    setup: SignInWorld,
) -> None:
    world = setup.world
    await world.emu.driver.install_bot_personal(world.bot, world.bob)
    _card, code = await pick_teams(world, world.alice, setup.alice, [setup.team_id])
    assert text_of(await say(world, world.bob, code)).startswith("That code didn't work")
    assert NOT_SIGNED_IN in text_of(await say(world, world.bob, "status"))
    setup.clock.advance(minutes=10)
    assert text_of(await say(world, world.alice, code)).startswith("That code didn't work")
    await _still_signed_out(world)
