"""Who may link a Microsoft organization, who is told about a new link, and how share targets
tell two organizations apart (issue #15: first link needs a team admin; the victim's older linked
chat is told; a look-alike channel in another tenant shows a different organization)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    PASSWORD,
    bot_messages,
    browser,
    card_of,
    no_new_messages,
    say,
    say_in_channel,
    sign_in,
    signin_url,
    text_of,
    wait_for_card,
)
from teams_emulator import User, scene

NOT_SIGNED_IN = "Signed in as: Not signed in"


@dataclass
class Org:
    world: BotWorld
    api: Api
    owner: Member
    team_id: str


@pytest.fixture
async def org(database_url: str) -> AsyncIterator[Org]:
    """A multi-tenant bot in Contoso, Alice's and Bob's personal chats, and a CodeStream team
    "Plant Eaters" whose admin is `owner`."""
    async with start_bot_world(
        database_url, public_url_is_served=True, migrate=False, multi_tenant=True
    ) as world:
        for person in (world.alice, world.bob):
            await world.emu.driver.install_bot_personal(world.bot, person)
            await wait_for_card(world, _chat(world, person), "Welcome to CodeStream")
        api = Api(world.app_client, world.operator)
        owner = await api.sign_up("owner")
        team = await api.create_team(owner, "Plant Eaters")
        yield Org(world, api, owner, team["id"])


def _chat(world: BotWorld, user: User) -> str:
    return world.emu.driver.personal_chat(world.bot, user).id


async def test_a_first_link_of_the_organization_needs_a_team_admin(org: Org) -> None:
    world = org.world
    member = await org.api.sign_up("member")
    await org.api.add_member(org.owner, org.team_id, member)
    url = signin_url(card_of(await say(world, world.bob, "signin")))
    async with browser(world) as members_browser:
        picker = await members_browser.open_signin(url, member.email, PASSWORD)
        assert picker.status_code == 200, picker.text
        box = re.search(
            r'<input type="checkbox"[^>]*value="' + org.team_id + '"[^>]*>', picker.text
        )
        assert box is not None and "disabled" in box.group(0)
        assert "only an admin of this team can link it" in picker.text
        forged = await members_browser.submit(picker, [org.team_id])
        assert forged.status_code == 400, forged.text
        assert "Only an admin of Plant Eaters can link it" in forged.text
    assert NOT_SIGNED_IN in text_of(await say(world, world.bob, "status"))

    # Once an admin has linked the organization, members may pick the team.
    await sign_in(world, world.alice, org.owner, [org.team_id])
    await sign_in(world, world.bob, member, [org.team_id])
    assert "Plant Eaters: linked" in text_of(await say(world, world.bob, "status"))


async def test_the_older_linked_chat_is_told_of_a_new_teams_link(org: Org) -> None:
    world = org.world
    await sign_in(world, world.alice, org.owner, [org.team_id])
    alices_chat = _chat(world, world.alice)
    before = len(bot_messages(world, alices_chat))

    await sign_in(world, world.bob, org.owner, [org.team_id])
    notice = text_of(
        await wait_for_card(world, alices_chat, "A new Microsoft Teams account", since=before)
    )
    assert world.bob.email in notice and "Bob Jones" in notice
    assert "Organization: contoso.onmicrosoft.com" in notice
    assert "/web/account" in notice and "codestream CLI" in notice
    assert re.search(r"Linked: \d{4}-\d\d-\d\d \d\d:\d\d UTC", notice)

    # Signing the same Teams account in again tells no one: Alice's chat gets the sign-in card
    # and its confirmation, Bob's chat (linked to the same account) nothing.
    told = len(bot_messages(world, alices_chat))
    bobs = len(bot_messages(world, _chat(world, world.bob)))
    await sign_in(world, world.alice, org.owner, [org.team_id])
    await no_new_messages(world, alices_chat, told + 2)
    await no_new_messages(world, _chat(world, world.bob), bobs)


async def test_a_look_alike_channel_in_another_tenant_shows_its_organization(org: Org) -> None:
    world, driver = org.world, org.world.emu.driver
    other = scene(
        world.emu.emulator,
        tenant="Fabrikam",
        users=["Mallory Jones"],
        team="Engineering",
        channels=["Releases"],
        bot=world.bot,
    )
    mallory, look_alike = other.users[0], other.channels[0]
    for where, who in ((world.team, world.alice), (other.team, mallory)):
        installed = await driver.install_bot(world.bot, where, by=who)
        assert all(r.status == 200 for r in installed)
    await driver.install_bot_personal(world.bot, mallory)
    await wait_for_card(world, _chat(world, mallory), "Welcome to CodeStream")

    await sign_in(world, world.alice, org.owner, [org.team_id])
    await sign_in(world, mallory, org.owner, [org.team_id])
    for who, channel in ((world.alice, world.channel), (mallory, look_alike)):
        answer = await say_in_channel(world, who, "connect", channel)
        assert "ready to receive codemarks" in text_of(answer)

    listed = await world.app_client.get(
        "/msteams_conversations", params={"teamId": org.team_id}, headers=org.owner.headers
    )
    assert listed.status_code == 200, listed.text
    seen = {
        (c["teamName"], c["channelName"], c["organization"], c["tenantId"])
        for c in listed.json()["msteams_conversations"]
    }
    assert seen == {
        ("Engineering", "Releases", "contoso.onmicrosoft.com", world.tenant.id),
        ("Engineering", "Releases", "fabrikam.onmicrosoft.com", other.tenant.id),
    }
    targets = await world.app_client.get(
        f"/api/v1/teams/{org.team_id}/share-targets", headers=org.owner.headers
    )
    assert targets.status_code == 200, targets.text
    assert sorted((t["name"], t["organization"]) for t in targets.json()) == [
        ("Engineering/Releases", "contoso.onmicrosoft.com"),
        ("Engineering/Releases", "fabrikam.onmicrosoft.com"),
    ]
