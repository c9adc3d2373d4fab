"""The share API as a user meets it: share a codemark to connected Teams channels, see the
shares and their delivery status, and get a clear 4xx (with nothing changed) for bad input."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.shares.conftest import ShareWorld

from codestream.config import Config, config_from_document
from codestream.storage.tables import codemark_shares, outbox
from codestream.teams.connector import channel_thread
from codestream.web.app import create_app
from support.world import assert_error

CARD = "application/vnd.microsoft.card.adaptive"


async def _outbox_rows(sw: ShareWorld) -> list[Any]:
    async with sw.engine.connect() as conn:
        return list(await conn.execute(outbox.select().order_by(outbox.c.id)))


async def _share_count(sw: ShareWorld) -> int:
    async with sw.engine.connect() as conn:
        return int(
            (
                await conn.execute(sa.select(sa.func.count()).select_from(codemark_shares))
            ).scalar_one()
        )


async def test_share_queues_a_card_per_channel_and_reports_it(sw: ShareWorld) -> None:
    w = sw.world
    cid = w.codemark["id"]
    response = await w.client.post(
        f"/api/v1/codemarks/{cid}/shares",
        json={"provider": "msteams", "channelIds": [sw.channel.channel_id, sw.general.channel_id]},
        headers=w.alice.headers,
    )
    assert response.status_code == 202, response.text
    shares = response.json()
    assert [(s["teamName"], s["channelName"], s["status"]) for s in shares] == [
        ("Engineering", "Code review", "queued"),
        ("Engineering", "General", "queued"),
    ]
    first = shares[0]
    assert first["providerId"] == "msteams"
    assert first["tenantId"] == sw.channel.tenant_id
    assert first["teamId"] == sw.channel.msteams_team_id
    assert first["channelId"] == sw.channel.channel_id
    assert first["postId"] is None and first["url"] is None
    assert first["createdBy"] == w.alice.id
    assert first["nextAttemptAt"] is not None and first["lastError"] is None

    listed = await w.client.get(f"/api/v1/codemarks/{cid}/shares", headers=w.bob.headers)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [s["id"] for s in shares]
    codemark = await w.client.get(f"/api/v1/codemarks/{cid}", headers=w.bob.headers)
    assert [s["channelName"] for s in codemark.json()["sharedTo"]] == ["Code review", "General"]
    page = await w.client.get(
        "/api/v1/codemarks", params={"teamId": w.team["id"]}, headers=w.bob.headers
    )
    by_id = {c["id"]: c for c in page.json()["items"]}
    assert len(by_id[cid]["sharedTo"]) == 2

    rows = await _outbox_rows(sw)
    assert [(r.share_id, r.conversation_id, r.operation, r.status) for r in rows] == [
        (shares[0]["id"], sw.channel.channel_id, "create_conversation", "queued"),
        (shares[1]["id"], sw.general.channel_id, "create_conversation", "queued"),
    ]
    # What the worker will POST for the row: the card's activity in a new-thread body.
    payload = channel_thread(rows[0].conversation_id, rows[0].tenant_id, rows[0].payload)
    assert payload["isGroup"] is True
    assert payload["channelData"]["channel"]["id"] == sw.channel.channel_id
    assert rows[0].service_url == sw.channel.service_url
    attachment = payload["activity"]["attachments"][0]
    assert attachment["contentType"] == CARD
    assert attachment["content"]["version"] == "1.5"


async def test_a_member_who_is_not_the_author_may_share(sw: ShareWorld) -> None:
    w = sw.world
    response = await w.client.post(
        f"/api/v1/codemarks/{w.codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [sw.channel.channel_id]},
        headers=w.bob.headers,
    )
    assert response.status_code == 202, response.text
    assert response.json()[0]["createdBy"] == w.bob.id


async def test_share_targets_list_the_connected_channels(sw: ShareWorld) -> None:
    w = sw.world
    response = await w.client.get(
        f"/api/v1/teams/{w.team['id']}/share-targets", headers=w.bob.headers
    )
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == [
        "Engineering/General",
        "Engineering/Code review",
    ]
    assert response.json()[1]["channelId"] == sw.channel.channel_id
    other = await w.client.get(
        f"/api/v1/teams/{w.other_team['id']}/share-targets", headers=w.alice.headers
    )
    assert_error(other, 403)


BAD_BODIES: list[tuple[str, Any, int, str | None]] = [
    ("wrong provider", {"provider": "slack", "channelIds": ["x"]}, 422, "provider"),
    ("no provider", {"channelIds": ["x"]}, 422, "provider"),
    ("no channels", {"provider": "msteams", "channelIds": []}, 422, "channelIds"),
    (
        "too many channels",
        {"provider": "msteams", "channelIds": [f"19:{i}" for i in range(21)]},
        422,
        "channelIds",
    ),
    ("empty channel id", {"provider": "msteams", "channelIds": [""]}, 422, "channelIds.0"),
    ("blank channel id", {"provider": "msteams", "channelIds": ["   "]}, 422, "channelIds.0"),
    ("long channel id", {"provider": "msteams", "channelIds": ["1" * 256]}, 422, "channelIds.0"),
    ("NUL in channel id", {"provider": "msteams", "channelIds": ["19:a\u0000b"]}, 422, None),
    ("channel ids not a list", {"provider": "msteams", "channelIds": "19:abc"}, 422, "channelIds"),
    ("channel id a number", {"provider": "msteams", "channelIds": [5]}, 422, "channelIds.0"),
    ("unknown field", {"provider": "msteams", "channelIds": ["x"], "x": 1}, 422, "x"),
    ("body a list", ["msteams"], 422, None),
]


@pytest.mark.parametrize(
    ("case", "body", "status", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
async def test_bad_bodies_are_refused_and_change_nothing(
    sw: ShareWorld, case: str, body: Any, status: int, field: str | None
) -> None:
    w = sw.world
    before = await w.snapshot()
    response = await w.client.post(
        f"/api/v1/codemarks/{w.codemark['id']}/shares", json=body, headers=w.alice.headers
    )
    error = assert_error(response, status, case=case)
    if field is not None:
        assert field in error["message"], error
    assert await _share_count(sw) == 0
    assert await _outbox_rows(sw) == []
    assert await w.snapshot() == before


async def test_malformed_json_and_wrong_media_type(sw: ShareWorld) -> None:
    w = sw.world
    url = f"/api/v1/codemarks/{w.codemark['id']}/shares"
    bad = await w.client.post(
        url,
        content=b'{"provider": "msteams", "channelIds": [',
        headers={**w.alice.headers, "Content-Type": "application/json"},
    )
    assert_error(bad, 400, "malformed_json")
    form = await w.client.post(
        url,
        content=b"provider=msteams",
        headers={**w.alice.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(form, 415)
    assert await _share_count(sw) == 0


async def test_without_a_token_401(sw: ShareWorld) -> None:
    w = sw.world
    url = f"/api/v1/codemarks/{w.codemark['id']}/shares"
    assert_error(
        await w.client.post(
            url, json={"provider": "msteams", "channelIds": [sw.channel.channel_id]}
        ),
        401,
    )
    assert_error(await w.client.get(url), 401)


async def test_unknown_and_foreign_codemarks_are_404(sw: ShareWorld) -> None:
    w = sw.world
    body = {"provider": "msteams", "channelIds": [sw.channel.channel_id]}
    for codemark_id, who in [
        ("0" * 24, w.alice),
        ("not-an-id", w.alice),
        (w.other_codemark["id"], w.alice),  # team B's codemark
        (w.codemark["id"], w.carol),  # Carol is not in team A
    ]:
        response = await w.client.post(
            f"/api/v1/codemarks/{codemark_id}/shares", json=body, headers=who.headers
        )
        assert_error(response, 404, case=codemark_id)
        listed = await w.client.get(f"/api/v1/codemarks/{codemark_id}/shares", headers=who.headers)
        assert_error(listed, 404, case=codemark_id)
    assert await _share_count(sw) == 0


async def test_deleted_codemark_is_404(sw: ShareWorld) -> None:
    w = sw.world
    cid = w.codemark["id"]
    assert (
        await w.client.delete(f"/api/v1/codemarks/{cid}", headers=w.alice.headers)
    ).status_code == 204
    response = await w.client.post(
        f"/api/v1/codemarks/{cid}/shares",
        json={"provider": "msteams", "channelIds": [sw.channel.channel_id]},
        headers=w.alice.headers,
    )
    assert_error(response, 404)


@pytest.mark.parametrize("which", ["unknown", "other team's", "disconnected", "one bad among good"])
async def test_channels_that_are_not_share_targets_are_404_and_nothing_is_shared(
    sw: ShareWorld, which: str
) -> None:
    from support.connected_channels import disconnect_channel

    w = sw.world
    channel_ids = {
        "unknown": ["19:nosuchchannel@thread.tacv2"],
        "other team's": [sw.other_channel.channel_id],
        "disconnected": [sw.channel.channel_id],
        "one bad among good": [sw.general.channel_id, "19:nosuchchannel@thread.tacv2"],
    }[which]
    if which == "disconnected":
        await disconnect_channel(sw.engine, sw.channel.channel_id)
    response = await w.client.post(
        f"/api/v1/codemarks/{w.codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": channel_ids},
        headers=w.alice.headers,
    )
    error = assert_error(response, 404, "channel_not_connected")
    assert channel_ids[-1] in error["message"]
    assert await _share_count(sw) == 0
    assert await _outbox_rows(sw) == []


async def test_the_same_channel_twice_is_one_share(sw: ShareWorld) -> None:
    w = sw.world
    response = await w.client.post(
        f"/api/v1/codemarks/{w.codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [sw.channel.channel_id] * 2},
        headers=w.alice.headers,
    )
    assert response.status_code == 202
    assert len(response.json()) == 1


async def test_share_when_creating_a_codemark(sw: ShareWorld) -> None:
    w = sw.world
    created = await w.api.create_codemark(
        w.bob,
        w.team["id"],
        shares=[{"provider": "msteams", "channelId": sw.channel.channel_id}],
    )
    assert [(s["channelName"], s["status"]) for s in created["sharedTo"]] == [
        ("Code review", "queued")
    ]
    rows = await _outbox_rows(sw)
    assert [r.share_id for r in rows] == [created["sharedTo"][0]["id"]]


@pytest.mark.parametrize(
    ("shares", "status"),
    [
        ([{"provider": "msteams", "channelId": "19:nosuch@thread.tacv2"}], 404),
        ([{"provider": "slack", "channelId": "C123"}], 422),
        ([{"provider": "msteams"}], 422),
        ([{"provider": "msteams", "channelId": ""}], 422),
        ("msteams", 422),
    ],
)
async def test_create_with_a_bad_share_creates_nothing(
    sw: ShareWorld, shares: Any, status: int
) -> None:
    w = sw.world
    before = await w.snapshot()
    response = await w.client.post(
        "/api/v1/codemarks",
        json={"teamId": w.team["id"], "type": "comment", "text": "Hi", "shares": shares},
        headers=w.alice.headers,
    )
    assert_error(response, status)
    assert await w.snapshot() == before
    assert await _share_count(sw) == 0


async def test_create_sharing_to_another_teams_channel_is_404(sw: ShareWorld) -> None:
    w = sw.world
    response = await w.client.post(
        "/api/v1/codemarks",
        json={
            "teamId": w.team["id"],
            "text": "Hi",
            "shares": [{"provider": "msteams", "channelId": sw.other_channel.channel_id}],
        },
        headers=w.alice.headers,
    )
    assert_error(response, 404, "channel_not_connected")


async def test_a_cards_delivery_deadline_follows_delivery_deadline_hours(
    sw: ShareWorld, config: Config
) -> None:
    document = copy.deepcopy(dict(config.document))
    document["delivery"] = {"deadlineHours": 2}
    two_hours = config_from_document(document, environ={"CS_DATABASE_URL": config.database_url})
    app = create_app(two_hours, engine=sw.engine, migrate=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.post(
            f"/api/v1/codemarks/{sw.world.codemark['id']}/shares",
            json={"provider": "msteams", "channelIds": [sw.channel.channel_id]},
            headers=sw.world.alice.headers,
        )
    assert response.status_code == 202, response.text
    (row,) = await _outbox_rows(sw)
    assert row.deadline_at - row.created_at == 2 * 3_600_000
