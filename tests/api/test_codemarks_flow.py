"""The codemark life cycle over HTTP, as a user of the API meets it."""

from __future__ import annotations

from support.api import Api


async def test_it_creates_lists_and_reads_a_codemark_with_its_marker(api: Api) -> None:
    alice = await api.sign_up("alice")
    team = await api.create_team(alice)
    created = await api.create_codemark(alice, team["id"])

    assert created["type"] == "comment"
    assert created["status"] == "open"
    assert created["permalink"] == f"https://codestream.example.com/c/{created['id']}"
    marker = created["markers"][0]
    assert marker["file"] == "src/app/loop.py"
    assert marker["remoteCodeUrl"] == (
        f"https://github.com/acme/api/blob/{'a' * 40}/src/app/loop.py#L3-L5"
    )

    listed = await api.client.get(
        "/api/v1/codemarks", params={"teamId": team["id"]}, headers=alice.headers
    )
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [created["id"]]

    fetched = await api.client.get(f"/api/v1/codemarks/{created['id']}", headers=alice.headers)
    assert fetched.json() == created
