"""An account's life through the API: change password, sign out everywhere, admins creating,
resetting, removing and deactivating members, and refusals that change nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from support.api import Member
from support.world import World, assert_error

PASSWORD = "correct horse 1"
NEW_PASSWORD = "a much better passphrase"


async def _login(world: World, email: str, password: str) -> int:
    response = await world.client.post("/api/v1/login", json={"email": email, "password": password})
    return response.status_code


async def _second_token(world: World, member: Member) -> Member:
    response = await world.client.post(
        "/api/v1/login", json={"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return Member(member.id, member.email, response.json()["accessToken"])


async def _works(world: World, member: Member) -> bool:
    me = await world.client.get("/api/v1/me", headers=member.headers)
    assert me.status_code in (200, 401), me.text
    return me.status_code == 200


async def test_changing_the_password_ends_every_other_token(world: World) -> None:
    laptop = await _second_token(world, world.alice)
    before = await world.snapshot()

    wrong = await world.client.post(
        "/api/v1/me/password",
        json={"currentPassword": "not my password", "newPassword": NEW_PASSWORD},
        headers=world.alice.headers,
    )
    assert assert_error(wrong, 422, "wrong_password")["field"] == "currentPassword"
    short = await world.client.post(
        "/api/v1/me/password",
        json={"currentPassword": PASSWORD, "newPassword": "short"},
        headers=world.alice.headers,
    )
    assert_error(short, 422)
    assert await world.snapshot() == before
    assert await _works(world, laptop)

    changed = await world.client.post(
        "/api/v1/me/password",
        json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        headers=world.alice.headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["tokensRevoked"] == 1 and body["msteamsSignInsEnded"] == 0
    assert body["message"].startswith("Your password was changed. 1 session(s) and access token")
    assert await _works(world, world.alice)
    assert not await _works(world, laptop)
    assert await _login(world, world.alice.email, PASSWORD) == 401
    assert await _login(world, world.alice.email, NEW_PASSWORD) == 200


async def test_signing_out_everywhere_revokes_every_token(world: World) -> None:
    laptop = await _second_token(world, world.alice)
    done = await world.client.delete("/api/v1/tokens", headers=world.alice.headers)
    assert done.status_code == 200, done.text
    assert done.json()["tokensRevoked"] == 2
    assert not await _works(world, world.alice)
    assert not await _works(world, laptop)
    assert await _works(world, world.bob)
    assert await _login(world, world.alice.email, PASSWORD) == 200


async def test_a_removed_member_can_no_longer_read_the_teams_codemarks(world: World) -> None:
    team_id, codemark_id = world.team["id"], world.codemark["id"]
    before = await world.snapshot()
    refused = await world.client.delete(
        f"/api/v1/teams/{team_id}/members/{world.alice.id}", headers=world.bob.headers
    )
    assert_error(refused, 403, "not_an_admin")
    outsider = await world.client.delete(
        f"/api/v1/teams/{team_id}/members/{world.bob.id}", headers=world.carol.headers
    )
    assert_error(outsider, 403, "not_a_member")
    last_admin = await world.client.delete(
        f"/api/v1/teams/{team_id}/members/{world.alice.id}", headers=world.alice.headers
    )
    assert_error(last_admin, 409, "last_admin")
    not_in_team = await world.client.delete(
        f"/api/v1/teams/{team_id}/members/{world.carol.id}", headers=world.alice.headers
    )
    assert_error(not_in_team, 404)
    assert await world.snapshot() == before

    read = await world.client.get(f"/api/v1/codemarks/{codemark_id}", headers=world.bob.headers)
    assert read.status_code == 200
    removed = await world.client.delete(
        f"/api/v1/teams/{team_id}/members/{world.bob.id}", headers=world.alice.headers
    )
    assert removed.status_code == 204, removed.text
    read = await world.client.get(f"/api/v1/codemarks/{codemark_id}", headers=world.bob.headers)
    assert_error(read, 404)
    listing = await world.client.get(
        "/api/v1/codemarks", params={"teamId": team_id}, headers=world.bob.headers
    )
    assert_error(listing, 403, "not_a_member")
    members = await world.client.get(
        f"/api/v1/teams/{team_id}/members", headers=world.alice.headers
    )
    assert [m["user"]["email"] for m in members.json()] == [world.alice.email]


async def test_an_admin_creates_an_account_with_a_one_time_link(world: World) -> None:
    team_id = world.team["id"]
    before = await world.snapshot()
    refused = await world.client.post(
        f"/api/v1/teams/{team_id}/invitations",
        json={"email": "dave@example.com"},
        headers=world.bob.headers,
    )
    assert_error(refused, 403, "not_an_admin")
    bad = await world.client.post(
        f"/api/v1/teams/{team_id}/invitations",
        json={"email": "not an email"},
        headers=world.alice.headers,
    )
    assert_error(bad, 422)
    assert await world.snapshot() == before

    invited = await world.client.post(
        f"/api/v1/teams/{team_id}/invitations",
        json={"email": "Dave@Example.com", "fullName": "Dave"},
        headers=world.alice.headers,
    )
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert body["created"] is True and body["member"]["user"]["email"] == "dave@example.com"
    link = urlsplit(body["setPasswordUrl"])
    assert f"{link.scheme}://{link.netloc}" == "https://codestream.example.com"
    assert link.path == "/web/set-password" and parse_qs(link.query)["token"]
    # No password works until the link is used.
    for guess in (PASSWORD, "", "!"):
        assert await _login(world, "dave@example.com", guess) in (401, 422)

    existing = await world.client.post(
        f"/api/v1/teams/{team_id}/invitations",
        json={"email": world.carol.email, "admin": True},
        headers=world.alice.headers,
    )
    assert existing.status_code == 201, existing.text
    assert existing.json()["created"] is False and existing.json()["setPasswordUrl"] is None
    assert existing.json()["member"]["admin"] is True
    again = await world.client.post(
        f"/api/v1/teams/{team_id}/invitations",
        json={"email": world.carol.email},
        headers=world.alice.headers,
    )
    assert_error(again, 409, "already_member")


async def test_an_admin_resets_a_members_password(world: World) -> None:
    team_id = world.team["id"]
    path = f"/api/v1/teams/{team_id}/members/{world.bob.id}/password-reset"
    refused = await world.client.post(
        f"/api/v1/teams/{team_id}/members/{world.alice.id}/password-reset",
        headers=world.bob.headers,
    )
    assert_error(refused, 403, "not_an_admin")
    assert await _works(world, world.alice)

    reset = await world.client.post(path, headers=world.alice.headers)
    assert reset.status_code == 200, reset.text
    body = reset.json()
    assert body["user"]["email"] == world.bob.email and body["tokensRevoked"] == 1
    assert "/web/set-password?token=" in body["setPasswordUrl"]
    assert not await _works(world, world.bob)
    assert await _login(world, world.bob.email, PASSWORD) == 401


async def test_an_admin_of_one_team_cant_take_over_a_member_of_another(world: World) -> None:
    await world.api.add_member(world.carol, world.other_team["id"], world.bob)
    before = await world.snapshot()
    reset = await world.client.post(
        f"/api/v1/teams/{world.team['id']}/members/{world.bob.id}/password-reset",
        headers=world.alice.headers,
    )
    error = assert_error(reset, 403, "not_an_admin")
    assert "Team B" not in error["message"]
    deactivate = await world.client.post(
        f"/api/v1/users/{world.bob.id}/deactivate", headers=world.alice.headers
    )
    assert_error(deactivate, 403, "not_an_admin")
    stranger = await world.client.post(
        f"/api/v1/users/{world.alice.id}/deactivate", headers=world.carol.headers
    )
    assert_error(stranger, 404)
    myself = await world.client.post(
        f"/api/v1/users/{world.alice.id}/deactivate", headers=world.alice.headers
    )
    assert_error(myself, 409, "self_deactivation")
    assert await world.snapshot() == before
    assert await _login(world, world.bob.email, PASSWORD) == 200


async def test_a_deactivated_user_cant_log_in(world: World) -> None:
    refused = await world.client.post(
        f"/api/v1/users/{world.alice.id}/deactivate", headers=world.bob.headers
    )
    assert_error(refused, 403, "not_an_admin")
    done = await world.client.post(
        f"/api/v1/users/{world.bob.id}/deactivate", headers=world.alice.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["message"].startswith(f"{world.bob.email} was deactivated.")
    assert not await _works(world, world.bob)
    assert await _login(world, world.bob.email, PASSWORD) == 401
    again = await world.client.post(
        f"/api/v1/users/{world.bob.id}/deactivate", headers=world.alice.headers
    )
    assert_error(again, 404)
