"""Assigning one person at a time, and changes made at the same moment, all count.

`PUT/DELETE /api/v1/codemarks/{id}/assignees/{userId}` change one assignee on the server (the CLI's
`codemark assign` uses them); a change locks the codemark while it reads and writes it, so on
PostgreSQL two changes at once no longer overwrite each other.
"""

from __future__ import annotations

import asyncio

from support.api import Api, Member
from support.world import assert_error


async def _team_of(api: Api, size: int) -> tuple[Member, list[Member], str]:
    owner = await api.sign_up()
    team = await api.create_team(owner)
    members = [await api.sign_up() for _ in range(size)]
    for member in members:
        await api.add_member(owner, team["id"], member)
    return owner, members, team["id"]


async def test_people_assigned_at_the_same_moment_are_all_kept(api: Api) -> None:
    owner, members, team_id = await _team_of(api, 6)
    codemark = await api.create_codemark(owner, team_id, type="issue", title="Loop never ends")
    url = f"/api/v1/codemarks/{codemark['id']}"

    answers = await asyncio.gather(
        *(api.client.put(f"{url}/assignees/{m.id}", headers=m.headers) for m in members)
    )

    assert [a.status_code for a in answers] == [200] * len(members)
    shown = await api.client.get(url, headers=owner.headers)
    assert sorted(shown.json()["assignees"]) == sorted(m.id for m in members)


async def test_different_changes_at_the_same_moment_are_all_kept(api: Api) -> None:
    owner, members, team_id = await _team_of(api, 2)
    codemark = await api.create_codemark(owner, team_id, type="issue", title="Loop never ends")
    url = f"/api/v1/codemarks/{codemark['id']}"

    answers = await asyncio.gather(
        api.client.patch(url, json={"status": "closed"}, headers=members[0].headers),
        api.client.patch(url, json={"title": "Loop never ends for n < 0"}, headers=owner.headers),
        api.client.put(f"{url}/assignees/{members[1].id}", headers=members[1].headers),
    )

    assert [a.status_code for a in answers] == [200, 200, 200]
    shown = (await api.client.get(url, headers=owner.headers)).json()
    assert shown["status"] == "closed"
    assert shown["title"] == "Loop never ends for n < 0"
    assert shown["assignees"] == [members[1].id]


async def test_assigning_twice_or_unassigning_nobody_changes_nothing(api: Api) -> None:
    owner, [bob], team_id = await _team_of(api, 1)
    codemark = await api.create_codemark(owner, team_id)
    url = f"/api/v1/codemarks/{codemark['id']}/assignees/{bob.id}"

    first = await api.client.put(url, headers=owner.headers)
    again = await api.client.put(url, headers=owner.headers)
    assert first.json()["assignees"] == again.json()["assignees"] == [bob.id]
    assert again.json()["modifiedAt"] == first.json()["modifiedAt"]

    removed = await api.client.delete(url, headers=owner.headers)
    removed_again = await api.client.delete(url, headers=owner.headers)
    assert removed.json()["assignees"] == removed_again.json()["assignees"] == []


async def test_outsiders_and_strangers_are_refused_and_nothing_changes(api: Api) -> None:
    owner, [bob], team_id = await _team_of(api, 1)
    outsider = await api.sign_up()
    codemark = await api.create_codemark(owner, team_id)
    url = f"/api/v1/codemarks/{codemark['id']}"

    stranger = await api.client.put(f"{url}/assignees/{outsider.id}", headers=owner.headers)
    error = assert_error(stranger, 422, "not_a_member")
    assert "is not a member of team 'Plant Eaters'" in error["message"]
    assert_error(await api.client.put(f"{url}/assignees/{bob.id}", headers=outsider.headers), 404)
    missing = await api.client.put(
        f"/api/v1/codemarks/{'f' * 24}/assignees/{bob.id}", headers=owner.headers
    )
    assert_error(missing, 404)

    shown = await api.client.get(url, headers=owner.headers)
    assert shown.json()["assignees"] == []
    assert shown.json()["modifiedAt"] == codemark["modifiedAt"]
