"""Teams and their members."""

from __future__ import annotations

import asyncio

from support.api import Api
from support.world import World, assert_error


async def test_it_makes_the_creator_the_first_admin(api: Api) -> None:
    alice = await api.sign_up()
    team = await api.create_team(alice, "  Herbivores  ")
    assert team["name"] == "Herbivores"
    assert team["creatorId"] == alice.id

    members = await api.client.get(f"/api/v1/teams/{team['id']}/members", headers=alice.headers)
    assert members.status_code == 200
    assert [(m["user"]["id"], m["admin"]) for m in members.json()] == [(alice.id, True)]
    listed = await api.client.get("/api/v1/teams", headers=alice.headers)
    assert [t["id"] for t in listed.json()] == [team["id"]]
    fetched = await api.client.get(f"/api/v1/teams/{team['id']}", headers=alice.headers)
    assert fetched.json() == team


async def test_it_adds_members_by_email_or_username(api: Api) -> None:
    alice = await api.sign_up()
    bob = await api.sign_up("bobby")
    dave = await api.sign_up("dave")
    team = await api.create_team(alice)

    by_email = await api.client.post(
        f"/api/v1/teams/{team['id']}/members",
        json={"user": bob.email.upper()},
        headers=alice.headers,
    )
    assert by_email.status_code == 201, by_email.text
    assert by_email.json()["user"]["id"] == bob.id
    assert by_email.json()["admin"] is False
    by_username = await api.client.post(
        f"/api/v1/teams/{team['id']}/members",
        json={"user": "dave", "admin": True},
        headers=alice.headers,
    )
    assert by_username.status_code == 201, by_username.text
    assert by_username.json()["admin"] is True

    members = await api.client.get(f"/api/v1/teams/{team['id']}/members", headers=bob.headers)
    assert {m["user"]["id"]: m["admin"] for m in members.json()} == {
        alice.id: True,
        bob.id: False,
        dave.id: True,
    }
    # The new member sees the team in their list.
    listed = await api.client.get("/api/v1/teams", headers=bob.headers)
    assert [t["id"] for t in listed.json()] == [team["id"]]


async def test_it_lets_only_admins_add_members(world: World) -> None:
    before = await world.snapshot()
    newcomer = await world.api.sign_up()
    response = await world.client.post(
        f"/api/v1/teams/{world.team['id']}/members",
        json={"user": newcomer.email},
        headers=world.bob.headers,
    )
    assert_error(response, 403, "not_an_admin")
    assert await world.snapshot() == before


async def test_it_keeps_a_team_from_non_members(world: World) -> None:
    team_id = world.team["id"]
    carol = world.carol
    for path in (
        f"/api/v1/teams/{team_id}",
        f"/api/v1/teams/{team_id}/members",
        f"/api/v1/teams/{team_id}/repos",
    ):
        assert_error(await world.client.get(path, headers=carol.headers), 403, "not_a_member")
    listed = await world.client.get(
        "/api/v1/codemarks", params={"teamId": team_id}, headers=carol.headers
    )
    assert_error(listed, 403, "not_a_member")
    before = await world.snapshot()
    joined = await world.client.post(
        f"/api/v1/teams/{team_id}/members", json={"user": carol.email}, headers=carol.headers
    )
    assert_error(joined, 403)
    assert await world.snapshot() == before


async def test_it_answers_404_for_a_user_who_has_not_signed_up(world: World) -> None:
    before = await world.snapshot()
    for who in ("ghost@example.com", "ghost", "ghost@", "@", "x" * 254):
        response = await world.client.post(
            f"/api/v1/teams/{world.team['id']}/members",
            json={"user": who},
            headers=world.alice.headers,
        )
        assert_error(response, 404, "not_found")
    assert await world.snapshot() == before


async def test_it_answers_409_for_someone_already_in_the_team(world: World) -> None:
    before = await world.snapshot()
    again = await world.client.post(
        f"/api/v1/teams/{world.team['id']}/members",
        json={"user": world.bob.email, "admin": True},
        headers=world.alice.headers,
    )
    assert_error(again, 409, "already_member")
    # Bob did not become an admin by the refused request.
    assert await world.snapshot() == before


async def test_it_answers_404_for_an_unknown_team(world: World) -> None:
    for team_id in ("0" * 24, "nope", "f" * 64):
        for path in (
            f"/api/v1/teams/{team_id}",
            f"/api/v1/teams/{team_id}/members",
            f"/api/v1/teams/{team_id}/repos",
        ):
            response = await world.client.get(path, headers=world.alice.headers)
            assert_error(response, 404, "not_found")


async def test_it_refuses_a_team_name_that_is_blank_or_multiline(api: Api) -> None:
    alice = await api.sign_up()
    for name in ("", "   ", "two\nlines", "x" * 201):
        response = await api.client.post(
            "/api/v1/teams", json={"name": name}, headers=alice.headers
        )
        assert_error(response, 422)
    assert (await api.client.get("/api/v1/teams", headers=alice.headers)).json() == []


async def test_it_answers_409_not_500_when_one_user_is_added_twice_at_once(world: World) -> None:
    newcomer = await world.api.sign_up()
    responses = await asyncio.gather(
        *(
            world.client.post(
                f"/api/v1/teams/{world.team['id']}/members",
                json={"user": newcomer.email},
                headers=world.alice.headers,
            )
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    members = await world.client.get(
        f"/api/v1/teams/{world.team['id']}/members", headers=world.alice.headers
    )
    assert [m["user"]["id"] for m in members.json()].count(newcomer.id) == 1
