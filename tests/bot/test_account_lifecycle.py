"""What account changes do in Teams: a changed password, signing out everywhere, deactivation and
a revoked Teams sign-in leave the Teams user signed out at once; commands that change a whole
team's links are for its admins only. All through signed activities from the emulator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from support.api import Api, Member
from support.bots import BotWorld, start_bot_world
from support.teams_flow import (
    browser,
    csrf_on,
    say,
    say_in_channel,
    sign_in,
    text_of,
    wait_for_card,
)
from teams_emulator import User

NEED_SIGNIN = "Please sign in first: send **signin** to the CodeStream bot in your personal chat"
ADMIN_ONLY = (
    "Only an admin of a CodeStream team linked to this Microsoft Teams organization may run "
    "**{command}**: it changes the whole team's links. Nothing was changed."
)
NEW_PASSWORD = "a much better passphrase"


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[BotWorld]:
    """The bot installed in the team and in Alice's and Bob's personal scope."""
    async with start_bot_world(database_url, public_url_is_served=True, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot(world.bot, world.team, by=world.alice)
        for user in (world.alice, world.bob):
            await driver.install_bot_personal(world.bot, user)
            chat = driver.personal_chat(world.bot, user).id
            await wait_for_card(world, chat, "Welcome to CodeStream")
        yield world


async def _signed_in_as(world: BotWorld, user: User) -> str | None:
    """Whom the bot takes a Teams user for, by their `status`: an email, or None."""
    status = text_of(await say(world, user, "status"))
    if "Signed in as: Not signed in" in status:
        return None
    line = next(line for line in status.splitlines() if line.startswith("Signed in as: "))
    return line.removeprefix("Signed in as: ")


async def _assert_stranger(world: BotWorld, user: User) -> None:
    assert await _signed_in_as(world, user) is None
    assert text_of(await say_in_channel(world, user, "connect")).startswith(NEED_SIGNIN)


async def _connected(world: BotWorld, member: Member, team_id: str) -> int:
    listed = await world.app_client.get(
        "/msteams_conversations", params={"teamId": team_id}, headers=member.headers
    )
    if listed.status_code == 409:
        return 0
    assert listed.status_code == 200, listed.text
    return len(listed.json()["msteams_conversations"])


async def test_only_a_team_admin_disconnects_all_channels_or_uninstalls(world: BotWorld) -> None:
    api = Api(world.app_client, world.operator)
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    plants = await api.create_team(alice, "Plant Eaters")
    await api.add_member(alice, plants["id"], bob)
    await sign_in(world, world.alice, alice, [plants["id"]])
    await sign_in(world, world.bob, bob, [plants["id"]])
    await say_in_channel(world, world.alice, "connect")
    assert await _connected(world, alice, plants["id"]) == 1

    for command in ("disconnectall", "uninstall"):
        refusal = text_of(await say_in_channel(world, world.bob, command))
        assert refusal.startswith(ADMIN_ONLY.format(command=command)), refusal
    assert text_of(await say(world, world.bob, "uninstall")).startswith(
        ADMIN_ONLY.format(command="uninstall")
    )
    assert await _connected(world, alice, plants["id"]) == 1
    assert "Plant Eaters: connected" in text_of(await say_in_channel(world, world.bob, "status"))

    assert text_of(await say_in_channel(world, world.alice, "disconnectall")) == (
        "CodeStream has been disconnected from all channels of this team (1)."
    )
    assert await _connected(world, alice, plants["id"]) == 0
    await say_in_channel(world, world.alice, "connect")
    uninstalled = text_of(await say_in_channel(world, world.alice, "uninstall"))
    assert uninstalled.startswith(
        "CodeStream is no longer linked to this Microsoft Teams organization for: Plant Eaters."
    )
    assert await _connected(world, alice, plants["id"]) == 0


async def test_an_admin_command_leaves_the_teams_the_sender_doesnt_administer(
    world: BotWorld,
) -> None:
    api = Api(world.app_client, world.operator)
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    plants = await api.create_team(alice, "Plant Eaters")
    rocks = await api.create_team(bob, "Rock Eaters")
    await api.add_member(bob, rocks["id"], alice)
    await sign_in(world, world.bob, bob, [rocks["id"]])
    await sign_in(world, world.alice, alice, [plants["id"]])
    await say_in_channel(world, world.alice, "connect")
    assert await _connected(world, bob, rocks["id"]) == 1

    answer = text_of(await say_in_channel(world, world.alice, "disconnectall"))
    assert answer == (
        "CodeStream has been disconnected from all channels of this team (1). Left as they "
        "were, since you aren't their admin: Rock Eaters."
    )
    assert await _connected(world, bob, rocks["id"]) == 1
    assert await _connected(world, alice, plants["id"]) == 0


async def test_password_change_sign_out_everywhere_and_deactivation_end_teams_sign_ins(
    world: BotWorld,
) -> None:
    api = Api(world.app_client, world.operator)
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    plants = await api.create_team(bob, "Plant Eaters")
    await api.add_member(bob, plants["id"], alice)
    await sign_in(world, world.bob, bob, [plants["id"]])  # an admin links the organization first

    await sign_in(world, world.alice, alice, [plants["id"]])
    assert await _signed_in_as(world, world.alice) == alice.email
    changed = await world.app_client.post(
        "/api/v1/me/password",
        json={"currentPassword": "correct horse 1", "newPassword": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["msteamsSignInsEnded"] == 1
    await _assert_stranger(world, world.alice)

    await sign_in(world, world.alice, alice, [plants["id"]], password=NEW_PASSWORD)
    assert await _signed_in_as(world, world.alice) == alice.email
    everywhere = await world.app_client.delete("/api/v1/tokens", headers=alice.headers)
    assert everywhere.status_code == 200, everywhere.text
    assert everywhere.json()["msteamsSignInsEnded"] == 1
    await _assert_stranger(world, world.alice)

    await sign_in(world, world.alice, alice, [plants["id"]], password=NEW_PASSWORD)
    assert await _signed_in_as(world, world.alice) == alice.email
    deactivated = await world.app_client.post(
        f"/api/v1/users/{alice.id}/deactivate", headers=bob.headers
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["msteamsSignInsEnded"] == 1
    await _assert_stranger(world, world.alice)


async def test_teams_sign_ins_are_listed_and_revoked_by_their_user_and_team_admins(
    world: BotWorld,
) -> None:
    api = Api(world.app_client, world.operator)
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    plants = await api.create_team(alice, "Plant Eaters")
    await api.add_member(alice, plants["id"], bob)
    await sign_in(world, world.alice, alice, [plants["id"]])
    await sign_in(world, world.bob, bob, [plants["id"]])
    client = world.app_client

    mine = await client.get("/api/v1/me/msteams-links", headers=bob.headers)
    assert mine.status_code == 200, mine.text
    [link] = mine.json()
    assert link["tenantId"] == world.tenant.id and link["teamsUserId"] == world.bob.id
    assert link["teamsUserName"] == world.bob.name and link["user"]["email"] == bob.email

    team_path = f"/api/v1/teams/{plants['id']}"
    refused = await client.get(f"{team_path}/msteams-links", headers=bob.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_an_admin"
    refused = await client.delete(f"{team_path}/msteams-links/{link['id']}", headers=bob.headers)
    assert refused.status_code == 403
    refused = await client.delete(
        f"{team_path}/msteams-tenants/{world.tenant.id}", headers=bob.headers
    )
    assert refused.status_code == 403
    assert await _signed_in_as(world, world.bob) == bob.email

    listed = await client.get(f"{team_path}/msteams-links", headers=alice.headers)
    assert listed.status_code == 200, listed.text
    team_links = listed.json()
    assert {s["user"]["email"] for s in team_links["signIns"]} == {alice.email, bob.email}
    assert [t["tenantId"] for t in team_links["tenants"]] == [world.tenant.id]
    assert team_links["tenants"][0]["linkedBy"]["email"] == alice.email

    revoked = await client.delete(f"/api/v1/me/msteams-links/{link['id']}", headers=bob.headers)
    assert revoked.status_code == 204, revoked.text
    await _assert_stranger(world, world.bob)
    again = await client.delete(f"/api/v1/me/msteams-links/{link['id']}", headers=bob.headers)
    assert again.status_code == 404

    alices = next(s for s in team_links["signIns"] if s["user"]["email"] == alice.email)
    by_admin = await client.delete(
        f"{team_path}/msteams-links/{alices['id']}", headers=alice.headers
    )
    assert by_admin.status_code == 204, by_admin.text
    await _assert_stranger(world, world.alice)

    await sign_in(world, world.alice, alice, [plants["id"]])
    await say_in_channel(world, world.alice, "connect")
    assert await _connected(world, alice, plants["id"]) == 1
    unlinked = await client.delete(
        f"{team_path}/msteams-tenants/{world.tenant.id}", headers=alice.headers
    )
    assert unlinked.status_code == 204, unlinked.text
    assert await _connected(world, alice, plants["id"]) == 0
    assert text_of(await say_in_channel(world, world.alice, "connect")).startswith(
        "None of your CodeStream teams is linked to this Microsoft Teams organization."
    )


async def test_a_user_signs_a_teams_user_out_on_the_account_page(world: BotWorld) -> None:
    api = Api(world.app_client, world.operator)
    alice = await api.sign_up("alice")
    plants = await api.create_team(alice, "Plant Eaters")
    await sign_in(world, world.alice, alice, [plants["id"]])
    async with browser(world) as person:
        page = await person.log_in(alice.email, "correct horse 1", "/web/account")
        assert page.status_code == 200, page.text
        assert world.alice.name in page.text and world.tenant.id in page.text
        link_id = re.search(r'name="link_id" value="([^"]+)"', page.text)
        assert link_id is not None
        forged = await person.post_form(
            "/web/account/msteams-links/revoke", [("link_id", link_id[1])]
        )
        assert forged.status_code == 403
        assert await _signed_in_as(world, world.alice) == alice.email
        done = await person.post_form(
            "/web/account/msteams-links/revoke",
            [("csrf_token", csrf_on(page)), ("link_id", link_id[1])],
        )
        assert done.status_code == 200, done.text
        assert f"Teams user {world.alice.name} was signed out." in done.text
        assert "No Teams user is signed in as you." in done.text
    await _assert_stranger(world, world.alice)


async def test_a_team_admin_revokes_a_members_sign_in_and_the_organization_on_the_web(
    world: BotWorld,
) -> None:
    api = Api(world.app_client, world.operator)
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    plants = await api.create_team(alice, "Plant Eaters")
    await api.add_member(alice, plants["id"], bob)
    await sign_in(world, world.alice, alice, [plants["id"]])
    await sign_in(world, world.bob, bob, [plants["id"]])
    await say_in_channel(world, world.alice, "connect")
    page_path = f"/web/teams/{plants['id']}"

    async with browser(world) as bobs:
        page = await bobs.log_in(bob.email, "correct horse 1", page_path)
        assert page.status_code == 200 and "Signed in from Microsoft Teams" not in page.text
        refused = await bobs.post_form(
            f"{page_path}/msteams-tenants/revoke",
            [("csrf_token", csrf_on(page)), ("tenant_id", world.tenant.id)],
        )
        assert refused.status_code == 403
    assert await _connected(world, alice, plants["id"]) == 1

    async with browser(world) as alices:
        page = await alices.log_in(alice.email, "correct horse 1", page_path)
        assert world.bob.name in page.text and world.tenant.id in page.text
        bobs_link = re.search(
            rf"{re.escape(bob.email)}</td>\s*<td>{world.tenant.id}</td>.*?"
            r'name="link_id" value="([^"]+)"',
            page.text,
            re.S,
        )
        assert bobs_link is not None, page.text
        done = await alices.post_form(
            f"{page_path}/msteams-links/revoke",
            [("csrf_token", csrf_on(page)), ("link_id", bobs_link[1])],
        )
        assert done.status_code == 200, done.text
        assert f"Teams user {world.bob.name} was signed out of {bob.email}." in done.text
        await _assert_stranger(world, world.bob)
        assert await _signed_in_as(world, world.alice) == alice.email

        unlinked = await alices.post_form(
            f"{page_path}/msteams-tenants/revoke",
            [("csrf_token", csrf_on(done)), ("tenant_id", world.tenant.id)],
        )
        assert unlinked.status_code == 200, unlinked.text
        assert "No Microsoft organization is linked to this team." in unlinked.text
    assert await _connected(world, alice, plants["id"]) == 0
