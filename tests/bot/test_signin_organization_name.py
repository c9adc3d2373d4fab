"""The linking page names the Microsoft organization by its domain: the one Teams gave for this
user, else the one the organization was first linked under; its bare id only when neither is
known (#16)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest

from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    PASSWORD,
    browser,
    card_of,
    say,
    sign_in,
    signin_url,
    wait_for_card,
)
from teams_emulator import User


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        for person in (world.alice, world.bob):
            await world.emu.driver.install_bot_personal(world.bot, person)
            chat = world.emu.driver.personal_chat(world.bot, person).id
            await wait_for_card(world, chat, "Welcome to CodeStream")
        yield world


def _organization(page: str) -> str:
    found = re.search(r'<dd id="organization">(.*?)</dd>', page, re.DOTALL)
    assert found is not None, page
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


async def _picker_text(world: BotWorld, user: User, member: Member) -> str:
    url = signin_url(card_of(await say(world, user, "signin")))
    async with browser(world) as person:
        page = await person.open_signin(url, member.email, PASSWORD)
    assert page.status_code == 200, page.text
    return page.text


async def test_the_organization_is_its_domain_and_its_id_only_when_none_is_known(
    world: BotWorld,
) -> None:
    api = Api(world.app_client, world.operator)
    owner = await api.sign_up("owner")
    team = await api.create_team(owner, "Plant Eaters")
    tenant_id = world.alice.tenant_id
    domain = world.alice.email.rsplit("@", 1)[1]
    world.bob.email = ""  # Teams' member lookup gives no email or sign-in name for Bob

    before = _organization(await _picker_text(world, world.bob, owner))
    unnamed = "Unnamed organization Teams gave no domain for it; its tenant id is"
    assert before == f"{unnamed} {tenant_id}"

    alice_page = _organization(await _picker_text(world, world.alice, owner))
    assert alice_page == f"{domain} tenant id {tenant_id}"
    await sign_in(world, world.alice, owner, [team["id"]])  # the organization is kept by domain

    after = _organization(await _picker_text(world, world.bob, owner))
    assert after == f"{domain} tenant id {tenant_id}"
