"""The operator's account lifecycle commands: set-password, deactivate, reactivate,
revoke-tokens, create --team/--link, team remove-member, and the msteams-links reviews. Their
effects are checked through the running server's API."""

from __future__ import annotations

import asyncio
import re

import httpx

from codestream.config import load_config
from codestream.domain.msteams import MsTeamsTenant, TenantLink, UserLink
from codestream.storage.engine import create_engine
from codestream.storage.uow import SqlUnitOfWorkFactory
from support.cli import Instance

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much better passphrase"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _create(instance: Instance, email: str, *extra: str) -> str:
    result = instance.run(
        "user", "create", "--email", email, "--password-stdin", *extra, input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"id ([0-9a-f]{24})", result.output)
    assert found is not None
    return found.group(1)


def _team(instance: Instance, owner: str) -> str:
    created = instance.run("team", "create", "Plant Eaters", "--owner", owner)
    assert created.exit_code == 0, created.output
    found = re.search(r"id ([0-9a-f]{24})", created.output)
    assert found is not None
    return found.group(1)


def _login(server: str, email: str, password: str) -> str | None:
    response = httpx.post(f"{server}/api/v1/login", json={"email": email, "password": password})
    assert response.status_code in (200, 401), response.text
    return response.json()["accessToken"] if response.status_code == 200 else None


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _works(server: str, token: str) -> bool:
    return httpx.get(f"{server}/api/v1/me", headers=_auth(token)).status_code == 200


def _link_in_teams(instance: Instance, user_id: str, team_id: str, teams_user: str) -> None:
    """A Teams user signed in as `user_id`, the tenant linked to the team (as a sign-in leaves
    them; the bot tests make them through the emulator)."""

    async def seed() -> None:
        engine = create_engine(load_config(instance.config_file).database_url)
        try:
            async with SqlUnitOfWorkFactory(engine)() as uow:
                if await uow.msteams.get_tenant(TENANT) is None:
                    await uow.msteams.save_tenant(MsTeamsTenant(TENANT, "https://smba", 1, 1))
                    await uow.msteams.add_tenant_link(TenantLink(TENANT, team_id, user_id, 1))
                await uow.msteams.save_user_link(UserLink(TENANT, teams_user, user_id, 2))
                await uow.commit()
        finally:
            await engine.dispose()

    asyncio.run(seed())


def test_set_password_ends_every_sign_in(instance: Instance, live_server: str) -> None:
    ada = _create(instance, "ada@example.com")
    _link_in_teams(instance, ada, _team(instance, "ada@example.com"), "29:ada")
    token = _login(live_server, "ada@example.com", PASSWORD)
    assert token is not None
    for bad, expected in (
        (("nobody@example.com",), "nobody@example.com"),
        (("ada@example.com",), "use at least 8 characters"),
    ):
        refused = instance.run("user", "set-password", *bad, "--password-stdin", input="short\n")
        assert refused.exit_code == 2 and expected in refused.output, refused.output
    assert _works(live_server, token)

    done = instance.run(
        "user", "set-password", "ada@example.com", "--password-stdin", input=NEW_PASSWORD + "\n"
    )
    assert done.exit_code == 0, done.output
    assert "1 session(s) and access token(s) and 1 Teams sign-in(s) were ended." in done.output
    assert not _works(live_server, token)
    assert _login(live_server, "ada@example.com", PASSWORD) is None
    assert _login(live_server, "ada@example.com", NEW_PASSWORD) is not None
    listed = instance.run("user", "msteams-links", "ada@example.com")
    assert "No Teams user is signed in as ada@example.com." in listed.output


def test_deactivate_reactivate_and_revoke_tokens(instance: Instance, live_server: str) -> None:
    _create(instance, "ada@example.com")
    token = _login(live_server, "ada@example.com", PASSWORD)
    assert token is not None
    revoked = instance.run("user", "revoke-tokens", "ada")
    assert revoked.exit_code == 0, revoked.output
    assert "Signed ada@example.com out everywhere. 1 session(s)" in revoked.output
    assert not _works(live_server, token)

    deactivated = instance.run("user", "deactivate", "ada@example.com")
    assert deactivated.exit_code == 0, deactivated.output
    assert "codestream user reactivate ada@example.com" in deactivated.output
    assert _login(live_server, "ada@example.com", PASSWORD) is None
    assert "ada@example.com" not in instance.run("user", "list").output
    again = instance.run("user", "deactivate", "ada@example.com")
    assert again.exit_code == 2 and "already deactivated" in again.output

    reactivated = instance.run("user", "reactivate", "ada@example.com")
    assert reactivated.exit_code == 0, reactivated.output
    assert _login(live_server, "ada@example.com", PASSWORD) is not None
    unknown = instance.run("user", "reactivate", "grace@example.com")
    assert unknown.exit_code == 2 and "grace@example.com" in unknown.output


def test_create_in_a_team_with_a_set_password_link(instance: Instance, live_server: str) -> None:
    _create(instance, "ada@example.com")
    team_id = _team(instance, "ada@example.com")
    no_team = instance.run("user", "create", "--email", "g@example.com", "--admin", "--link")
    assert no_team.exit_code == 2 and "--team" in no_team.output
    bad_team = instance.run("user", "create", "--email", "g@example.com", "--team", "x", "--link")
    assert bad_team.exit_code == 2 and "'x'" in bad_team.output
    assert "g@example.com" not in instance.run("user", "list").output

    made = instance.run(
        "user", "create", "--email", "grace@example.com", "--team", team_id, "--admin", "--link"
    )
    assert made.exit_code == 0, made.output
    link = re.search(r"http://\S+/web/set-password\?token=\S+", made.output)
    assert link is not None, made.output
    assert _login(live_server, "grace@example.com", PASSWORD) is None
    _create(instance, "hopper@example.com", "--team", team_id)

    ada = _login(live_server, "ada@example.com", PASSWORD)
    assert ada is not None
    members = httpx.get(f"{live_server}/api/v1/teams/{team_id}/members", headers=_auth(ada))
    roles = {m["user"]["email"]: m["admin"] for m in members.json()}
    assert roles == {
        "ada@example.com": True,
        "grace@example.com": True,
        "hopper@example.com": False,
    }


def test_remove_member_ends_access_to_the_teams_codemarks(
    instance: Instance, live_server: str
) -> None:
    _create(instance, "ada@example.com")
    team_id = _team(instance, "ada@example.com")
    _create(instance, "grace@example.com", "--team", team_id)
    grace = _login(live_server, "grace@example.com", PASSWORD)
    assert grace is not None
    listing = f"{live_server}/api/v1/codemarks?teamId={team_id}"
    assert httpx.get(listing, headers=_auth(grace)).status_code == 200

    last_admin = instance.run("team", "remove-member", team_id, "ada@example.com")
    assert last_admin.exit_code == 2 and "last one" in last_admin.output
    removed = instance.run("team", "remove-member", team_id, "grace@example.com")
    assert removed.exit_code == 0, removed.output
    assert httpx.get(listing, headers=_auth(grace)).status_code == 403
    again = instance.run("team", "remove-member", team_id, "grace@example.com")
    assert again.exit_code == 2 and "not a member" in again.output


def test_msteams_links_are_listed_and_revoked(instance: Instance) -> None:
    ada = _create(instance, "ada@example.com")
    team_id = _team(instance, "ada@example.com")
    grace = _create(instance, "grace@example.com", "--team", team_id)
    _link_in_teams(instance, ada, team_id, "29:ada")
    _link_in_teams(instance, grace, team_id, "29:grace")

    mine = instance.run("user", "msteams-links", "grace@example.com")
    assert mine.exit_code == 0, mine.output
    assert "29:grace" in mine.output and "29:ada" not in mine.output
    team = instance.run("team", "msteams-links", team_id)
    assert team.exit_code == 0, team.output
    assert "29:grace" in team.output and "29:ada" in team.output and TENANT in team.output

    bogus = instance.run("user", "msteams-links", "grace@example.com", "--revoke", "nope")
    assert bogus.exit_code == 2 and "'nope'" in bogus.output
    both = instance.run("team", "msteams-links", team_id, "--revoke", "a", "--revoke-tenant", "b")
    assert both.exit_code == 2
    grace_id = mine.output.split()[0]
    revoked = instance.run("user", "msteams-links", "grace@example.com", "--revoke", grace_id)
    assert revoked.exit_code == 0 and "Signed out Teams user 29:grace" in revoked.output
    assert "29:grace" not in instance.run("team", "msteams-links", team_id).output

    unlinked = instance.run("team", "msteams-links", team_id, "--revoke-tenant", TENANT)
    assert unlinked.exit_code == 0, unlinked.output
    after = instance.run("team", "msteams-links", team_id).output
    assert "No Microsoft organization is linked" in after
    assert "No Teams user is signed in as a member." in after
