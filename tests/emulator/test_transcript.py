"""The transcript records both directions and answers queries in Python and over HTTP."""

from __future__ import annotations

from .conftest import World


async def test_both_directions_are_recorded(world: World) -> None:
    transcript = world.emu.emulator.transcript
    transcript.clear()
    await world.emu.driver.post_message(world.channel, world.alice, "hello")
    headers = await world.auth()
    await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "message", "text": "reply"},
        headers=headers,
    )
    to_bot = transcript.query(direction="teams_to_bot")
    assert [e.route for e in to_bot] == ["message"]
    assert to_bot[0].request_json["text"] == "<at>CodeStream</at> hello"
    assert to_bot[0].status == 200
    assert to_bot[0].request_headers["Authorization"].startswith("Bearer ")
    from_bot = transcript.query(direction="bot_to_teams")
    assert [e.route for e in from_bot] == ["token", "send_to_conversation"]
    send = from_bot[1]
    assert send.method == "POST" and send.status == 201
    assert send.request_json == {"type": "message", "text": "reply"}
    assert send.response_json == {"id": send.response_json["id"]}
    assert "x-correlating-operationid" in send.response_headers


async def test_transcript_over_http_with_filters(world: World) -> None:
    base = f"{world.emu.base_url}/_emulator/transcript"
    headers = await world.auth()
    await world.http.get(f"{world.service_url}v3/teams/{world.team.id}", headers=headers)
    await world.http.get(f"{world.service_url}v3/teams/{world.team.id}", headers={})
    denied = (await world.http.get(base, params={"status": "401"})).json()["exchanges"]
    assert [e["route"] for e in denied] == ["get_team_details"]
    assert denied[0]["responseBody"] == {
        "message": "Authorization has been denied for this request."
    }
    everything = (await world.http.get(base)).json()["exchanges"]
    last_seq = everything[-1]["seq"]
    await world.http.get(f"{world.service_url}v3/teams/{world.team.id}", headers=headers)
    newer = (await world.http.get(base, params={"since": last_seq})).json()["exchanges"]
    assert len(newer) == 1 and newer[0]["status"] == 200
    assert (await world.http.delete(base)).status_code == 204
    assert len(world.emu.emulator.transcript) == 0


def test_transcript_is_bounded() -> None:
    from teams_emulator import Transcript

    small = Transcript(limit=3)
    for n in range(5):
        small.record(
            time=float(n),
            direction="bot_to_teams",
            route="r",
            method="GET",
            url="/",
            raw_request_headers={},
            request_body=b"",
        )
    assert [e.seq for e in small.query()] == [3, 4, 5]
