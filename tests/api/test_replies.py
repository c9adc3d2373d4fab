"""Replies on a codemark."""

from __future__ import annotations

from support.world import World, assert_error


async def test_it_adds_and_lists_replies_oldest_first(world: World) -> None:
    cid = world.codemark["id"]
    second = await world.client.post(
        f"/api/v1/codemarks/{cid}/replies",
        json={"text": "  Fixed in a1b2c3.  "},
        headers=world.alice.headers,
    )
    assert second.status_code == 201, second.text
    reply = second.json()
    assert reply["text"] == "Fixed in a1b2c3."
    assert reply["origin"] == "api"
    assert reply["codemarkId"] == cid
    assert reply["creatorId"] == world.alice.id

    listed = await world.client.get(f"/api/v1/codemarks/{cid}/replies", headers=world.bob.headers)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [world.reply["id"], reply["id"]]
    assert [r["creatorId"] for r in listed.json()] == [world.bob.id, world.alice.id]


async def test_it_counts_replies_on_the_codemark(world: World) -> None:
    cid = world.codemark["id"]
    assert world.codemark["numReplies"] == 0
    first = await world.client.get(f"/api/v1/codemarks/{cid}", headers=world.alice.headers)
    assert first.json()["numReplies"] == 1  # the world's reply
    for n in range(2):
        response = await world.client.post(
            f"/api/v1/codemarks/{cid}/replies",
            json={"text": f"more {n}"},
            headers=world.bob.headers,
        )
        assert response.status_code == 201
    after = await world.client.get(f"/api/v1/codemarks/{cid}", headers=world.alice.headers)
    assert after.json()["numReplies"] == 3
    listed = await world.client.get(
        "/api/v1/codemarks", params={"teamId": world.team["id"]}, headers=world.alice.headers
    )
    assert listed.json()["items"][0]["numReplies"] == 3


async def test_it_refuses_an_empty_reply_and_changes_nothing(world: World) -> None:
    before = await world.snapshot()
    for text in ("", "   ", "\n\t", "x\x00y", "x" * 50_001):
        response = await world.client.post(
            f"/api/v1/codemarks/{world.codemark['id']}/replies",
            json={"text": text},
            headers=world.bob.headers,
        )
        assert_error(response, 422)
    assert await world.snapshot() == before


async def test_it_keeps_replies_from_non_members(world: World) -> None:
    cid = world.codemark["id"]
    before = await world.snapshot()
    listed = await world.client.get(f"/api/v1/codemarks/{cid}/replies", headers=world.carol.headers)
    assert_error(listed, 404)
    added = await world.client.post(
        f"/api/v1/codemarks/{cid}/replies", json={"text": "hi"}, headers=world.carol.headers
    )
    assert_error(added, 404)
    for unknown in ("0" * 24, "nope"):
        response = await world.client.post(
            f"/api/v1/codemarks/{unknown}/replies", json={"text": "hi"}, headers=world.bob.headers
        )
        assert_error(response, 404)
    assert await world.snapshot() == before


async def test_a_client_says_where_the_reply_was_written(world: World) -> None:
    cid = world.codemark["id"]
    for origin in ("cli", "ide", "api"):
        response = await world.client.post(
            f"/api/v1/codemarks/{cid}/replies",
            json={"text": f"from {origin}", "origin": origin},
            headers=world.bob.headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["origin"] == origin
    listed = await world.client.get(f"/api/v1/codemarks/{cid}/replies", headers=world.bob.headers)
    assert [r["origin"] for r in listed.json()][-3:] == ["cli", "ide", "api"]


async def test_a_client_cant_claim_a_reply_came_from_teams_or_the_web(world: World) -> None:
    before = await world.snapshot()
    for origin in ("teams", "web", "TEAMS", ""):
        response = await world.client.post(
            f"/api/v1/codemarks/{world.codemark['id']}/replies",
            json={"text": "hi", "origin": origin},
            headers=world.bob.headers,
        )
        assert_error(response, 422)
    assert await world.snapshot() == before
