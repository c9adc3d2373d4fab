"""Fault injection per route: status codes, latency, dropped connections; for N calls or a while."""

from __future__ import annotations

import time

import httpx
import pytest

from teams_emulator import ManualClock, RunningEmulator

from .conftest import World, make_world


async def _send(world: World, headers: dict[str, str]) -> httpx.Response:
    return await world.http.post(
        f"{world.service_url}v3/conversations/{world.channel.id}/activities",
        json={"type": "message", "text": "x"},
        headers=headers,
    )


async def test_status_for_n_calls_then_normal(world: World) -> None:
    headers = await world.auth()
    world.emu.emulator.faults.add("send_to_conversation", status=503, count=2)
    statuses = [(await _send(world, headers)).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]


async def test_429_fault_carries_retry_after_and_teams_body(world: World) -> None:
    headers = await world.auth()
    world.emu.emulator.faults.add("send_to_conversation", status=429, count=1)
    response = await _send(world, headers)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "Throttled"


async def test_fault_for_a_time_window(world: World, clock: ManualClock) -> None:
    headers = await world.auth()
    world.emu.emulator.faults.add("*", status=502, duration=10)
    assert (await _send(world, headers)).status_code == 502
    clock.advance(9.9)
    assert (await _send(world, headers)).status_code == 502
    clock.advance(0.2)
    assert (await _send(world, headers)).status_code == 201
    assert world.emu.emulator.faults.rules == []


async def test_fault_only_hits_its_route_and_method(world: World) -> None:
    headers = await world.auth()
    faults = world.emu.emulator.faults
    faults.add("update_activity", method="PUT", status=412)
    assert (await _send(world, headers)).status_code == 201
    token_fault = faults.add("token", status=500, count=1)
    denied = await world.http.post(world.emu.token_url(world.tenant.id), data={})
    assert denied.status_code == 500
    assert token_fault.hits == 1


async def test_latency_slows_the_real_answer(world: World) -> None:
    headers = await world.auth()
    world.emu.emulator.faults.add("send_to_conversation", latency=0.2, count=1)
    started = time.perf_counter()
    response = await _send(world, headers)
    assert response.status_code == 201
    assert time.perf_counter() - started >= 0.2


async def test_dropped_connection_gives_no_http_answer(served: RunningEmulator) -> None:
    world = await make_world(served)
    try:
        headers = await world.auth()
        served.emulator.faults.add("send_to_conversation", drop=True, count=1)
        with pytest.raises(httpx.RemoteProtocolError):
            await _send(world, headers)
        assert (await _send(world, headers)).status_code == 201
        dropped = served.emulator.transcript.query(route="send_to_conversation")[0]
        assert dropped.status is None and dropped.error == "connection dropped (injected)"
    finally:
        await world.http.aclose()


async def test_control_api_manages_faults(world: World) -> None:
    base = f"{world.emu.base_url}/_emulator/faults"
    created = await world.http.post(
        base, json={"route": "get_team_details", "status": 404, "code": "NotFound", "count": 5}
    )
    assert created.status_code == 201
    rule = created.json()
    listed = (await world.http.get(base)).json()["faults"]
    assert [r["id"] for r in listed] == [rule["id"]]
    headers = await world.auth()
    team = await world.http.get(f"{world.service_url}v3/teams/{world.team.id}", headers=headers)
    assert team.status_code == 404 and team.json()["error"]["code"] == "NotFound"
    assert (await world.http.delete(f"{base}/{rule['id']}")).status_code == 204
    assert (await world.http.delete(f"{base}/{rule['id']}")).status_code == 404
    unknown_field = await world.http.post(base, json={"route": "x", "explode": True})
    assert unknown_field.status_code == 400
    await world.http.post(base, json={"status": 500})
    assert (await world.http.delete(base)).status_code == 204
    assert (await world.http.get(base)).json()["faults"] == []
