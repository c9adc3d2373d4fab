"""Codemarks: create, list with filters and pages, change, delete; and who may do what."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from support.api import Api
from support.world import World, assert_error


def _marker(**fields: Any) -> dict[str, Any]:
    marker: dict[str, Any] = {"file": "src/app.py", "lineStart": 1, "lineEnd": 2}
    marker.update(fields)
    return marker


REQUIRED = [
    ("comment", {"title": "A title is not enough"}, "text"),
    ("question", {"text": "Why is this here?"}, "title"),
    ("issue", {"text": "It breaks on Sundays"}, "title"),
    ("bookmark", {"text": "   "}, "title"),
]


async def test_it_requires_the_fields_each_type_needs(world: World) -> None:
    before = await world.snapshot()
    for kind, body, missing in REQUIRED:
        refused = await world.client.post(
            "/api/v1/codemarks",
            json={"teamId": world.team["id"], "type": kind, **body, "markers": [_marker()]},
            headers=world.alice.headers,
        )
        error = assert_error(refused, 422, "invalid_input", case=kind)
        assert error["field"] == missing
        assert missing in error["message"]
    assert await world.snapshot() == before

    for kind, _, _ in REQUIRED:
        accepted = await world.client.post(
            "/api/v1/codemarks",
            json={"teamId": world.team["id"], "type": kind, "title": "Title", "text": "Text"},
            headers=world.alice.headers,
        )
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["type"] == kind


async def test_it_filters_the_listing(api: Api) -> None:
    alice = await api.sign_up()
    bob = await api.sign_up()
    team = await api.create_team(alice)
    await api.add_member(alice, team["id"], bob)
    tid = team["id"]
    web = "git@github.com:acme/web.git"
    made = {
        "plain": await api.create_codemark(alice, tid, markers=[_marker(file="a.py")]),
        "question": await api.create_codemark(
            alice, tid, type="question", title="Why?", tags=["perf", "db"], markers=[]
        ),
        "issue_bob": await api.create_codemark(
            bob,
            tid,
            type="issue",
            title="Broken",
            assignees=[bob.id],
            markers=[_marker(file="lib/b.py", remotes=[web])],
        ),
        "tagged": await api.create_codemark(
            bob, tid, tags=["perf"], markers=[_marker(file="./lib//b.py")]
        ),
    }
    closed = await api.client.patch(
        f"/api/v1/codemarks/{made['tagged']['id']}", json={"status": "closed"}, headers=bob.headers
    )
    assert closed.status_code == 200
    web_repo = made["issue_bob"]["markers"][0]["repoId"]

    async def names(**params: str) -> list[str]:
        response = await api.client.get(
            "/api/v1/codemarks", params={"teamId": tid, **params}, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        by_id = {c["id"]: name for name, c in made.items()}
        return sorted(by_id[c["id"]] for c in response.json()["items"])

    assert await names() == sorted(made)
    assert await names(type="question") == ["question"]
    assert await names(type="issue") == ["issue_bob"]
    assert await names(status="closed") == ["tagged"]
    assert await names(status="open") == ["issue_bob", "plain", "question"]
    assert await names(tag="perf") == ["question", "tagged"]
    assert await names(tag="db") == ["question"]
    assert await names(tag="nothing") == []
    assert await names(assignee=bob.id) == ["issue_bob"]
    assert await names(creator=bob.id) == ["issue_bob", "tagged"]
    assert await names(creator=alice.id) == ["plain", "question"]
    assert await names(repoId=web_repo) == ["issue_bob"]
    assert await names(file="lib/b.py") == ["issue_bob", "tagged"]
    assert await names(file="a.py") == ["plain"]
    assert await names(type="comment", status="closed", tag="perf", creator=bob.id) == ["tagged"]
    # An empty filter value is the same as leaving the filter out.
    assert await names(tag="", file="", assignee="") == sorted(made)


async def test_it_pages_through_the_listing_without_gaps_or_repeats(api: Api) -> None:
    alice = await api.sign_up()
    team = await api.create_team(alice)
    created = [
        (await api.create_codemark(alice, team["id"], text=f"note {i}", markers=[]))["id"]
        for i in range(7)
    ]
    seen: list[str] = []
    pages = []
    cursor: str | None = None
    while True:
        params = {"teamId": team["id"], "limit": "3"}
        if cursor:
            params["cursor"] = cursor
        response = await api.client.get("/api/v1/codemarks", params=params, headers=alice.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(len(page["items"]))
        seen.extend(c["id"] for c in page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == [3, 3, 1]
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(created)
    assert seen == sorted(created, reverse=True)  # newest first


async def test_it_changes_status_text_and_assignees(world: World) -> None:
    cid = world.codemark["id"]
    changed = await world.client.patch(
        f"/api/v1/codemarks/{cid}",
        json={"text": "  Rewritten.  ", "assignees": [world.bob.id], "tags": ["a", "a", "b"]},
        headers=world.alice.headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["text"] == "Rewritten."
    assert body["assignees"] == [world.bob.id]
    assert body["tags"] == ["a", "b"]
    assert body["modifiedAt"] >= world.codemark["modifiedAt"]

    # Any member may change the status and the assignees.
    closed = await world.client.patch(
        f"/api/v1/codemarks/{cid}",
        json={"status": "closed", "assignees": []},
        headers=world.bob.headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["assignees"] == []
    fetched = await world.client.get(f"/api/v1/codemarks/{cid}", headers=world.bob.headers)
    assert fetched.json() == closed.json()


async def test_it_lets_only_the_author_edit_the_content(world: World) -> None:
    before = await world.snapshot()
    for change in ({"text": "Bob's words"}, {"title": "Bob's title"}, {"tags": ["bob"]}):
        response = await world.client.patch(
            f"/api/v1/codemarks/{world.codemark['id']}",
            json={**change, "status": "closed"},
            headers=world.bob.headers,
        )
        assert_error(response, 403, "not_author", case=change)
    assert await world.snapshot() == before


async def test_it_only_assigns_members_of_the_team(world: World) -> None:
    before = await world.snapshot()
    for assignees in ([world.carol.id], ["0" * 24], ["not-an-id"], [world.bob.id, world.carol.id]):
        patched = await world.client.patch(
            f"/api/v1/codemarks/{world.codemark['id']}",
            json={"assignees": assignees},
            headers=world.alice.headers,
        )
        assert assert_error(patched, 422)["field"] == "assignees"
        created = await world.client.post(
            "/api/v1/codemarks",
            json={"teamId": world.team["id"], "text": "x", "assignees": assignees},
            headers=world.alice.headers,
        )
        assert assert_error(created, 422)["field"] == "assignees"
    assert await world.snapshot() == before


async def test_it_lets_the_author_delete_and_then_forgets_the_codemark(world: World) -> None:
    cid = world.codemark["id"]
    deleted = await world.client.delete(f"/api/v1/codemarks/{cid}", headers=world.alice.headers)
    assert deleted.status_code == 204
    for path in (f"/api/v1/codemarks/{cid}", f"/api/v1/codemarks/{cid}/replies"):
        assert_error(await world.client.get(path, headers=world.alice.headers), 404, "not_found")
    again = await world.client.delete(f"/api/v1/codemarks/{cid}", headers=world.alice.headers)
    assert_error(again, 404)
    patched = await world.client.patch(
        f"/api/v1/codemarks/{cid}", json={"status": "closed"}, headers=world.alice.headers
    )
    assert_error(patched, 404)
    listed = await world.client.get(
        "/api/v1/codemarks", params={"teamId": world.team["id"]}, headers=world.alice.headers
    )
    assert listed.json()["items"] == []


async def test_it_lets_an_admin_but_not_a_member_delete_someone_elses_codemark(
    world: World,
) -> None:
    bobs = await world.api.create_codemark(world.bob, world.team["id"], text="Bob's note")
    alices = world.codemark
    before = await world.snapshot()
    refused = await world.client.delete(
        f"/api/v1/codemarks/{alices['id']}", headers=world.bob.headers
    )
    assert_error(refused, 403, "not_author")
    assert await world.snapshot() == before

    by_admin = await world.client.delete(
        f"/api/v1/codemarks/{bobs['id']}", headers=world.alice.headers
    )
    assert by_admin.status_code == 204
    gone = await world.client.get(f"/api/v1/codemarks/{bobs['id']}", headers=world.bob.headers)
    assert_error(gone, 404)


async def test_it_treats_another_teams_codemark_as_unknown(world: World) -> None:
    other = world.other_codemark["id"]
    alice = world.alice.headers
    before = await world.snapshot()
    attempts: list[Callable[[], Awaitable[httpx.Response]]] = [
        lambda: world.client.get(f"/api/v1/codemarks/{other}", headers=alice),
        lambda: world.client.patch(
            f"/api/v1/codemarks/{other}", json={"status": "closed"}, headers=alice
        ),
        lambda: world.client.patch(
            f"/api/v1/codemarks/{other}", json={"text": "mine"}, headers=alice
        ),
        lambda: world.client.delete(f"/api/v1/codemarks/{other}", headers=alice),
        lambda: world.client.get(f"/api/v1/codemarks/{other}/replies", headers=alice),
        lambda: world.client.post(
            f"/api/v1/codemarks/{other}/replies", json={"text": "hi"}, headers=alice
        ),
    ]
    for attempt in attempts:
        assert_error(await attempt(), 404, "not_found")
    assert await world.snapshot() == before
    # It is there for its own team, unchanged.
    own = await world.client.get(f"/api/v1/codemarks/{other}", headers=world.carol.headers)
    assert own.json() == world.other_codemark


async def test_it_refuses_a_codemark_in_a_team_the_author_is_not_in(world: World) -> None:
    before = await world.snapshot()
    response = await world.client.post(
        "/api/v1/codemarks",
        json={"teamId": world.other_team["id"], "text": "Hello from outside"},
        headers=world.alice.headers,
    )
    assert_error(response, 403, "not_a_member")
    unknown = await world.client.post(
        "/api/v1/codemarks",
        json={"teamId": "0" * 24, "text": "Hello"},
        headers=world.alice.headers,
    )
    assert_error(unknown, 404)
    assert await world.snapshot() == before
