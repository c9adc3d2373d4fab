"""Teams' rate limits: the sliding windows, and the 429 the connector answers."""

from __future__ import annotations

from teams_emulator import ManualClock
from teams_emulator.throttling import Throttler

from .conftest import World


def _burst(throttler: Throttler, n: int, thread: str = "19:a@thread.tacv2") -> int:
    """How many of n immediate sends are admitted."""
    return sum(throttler.admit("app", "tenant", thread, "send") is None for _ in range(n))


def test_seven_per_second_then_retry_after_one_second() -> None:
    clock = ManualClock(1000.0)
    throttler = Throttler(clock)
    assert _burst(throttler, 7) == 7
    verdict = throttler.admit("app", "tenant", "19:a@thread.tacv2", "send")
    assert verdict is not None
    assert (verdict.scope, verdict.window, verdict.limit, verdict.retry_after) == (
        "per bot per thread",
        1,
        7,
        1,
    )
    clock.advance(1.01)
    assert _burst(throttler, 1) == 1  # 8 in 2 s allowed
    assert _burst(throttler, 1) == 0  # the 9th within 2 s is not
    clock.advance(1.0)
    assert _burst(throttler, 7) == 7


def test_sixty_per_thirty_seconds() -> None:
    clock = ManualClock(1000.0)
    throttler = Throttler(clock)
    admitted = 0
    for _ in range(40):  # 4 per 1.5 s stays under the 1 s and 2 s windows
        admitted += _burst(throttler, 4)
        clock.advance(1.5)
        if admitted >= 60:
            break
    assert admitted == 60
    clock.advance(0.1)
    verdict = throttler.admit("app", "tenant", "19:a@thread.tacv2", "send")
    assert verdict is not None and verdict.window == 30 and verdict.limit == 60
    assert 1 <= verdict.retry_after <= 30


def test_eighteen_hundred_per_hour() -> None:
    clock = ManualClock(1000.0)
    throttler = Throttler(clock)
    admitted = 0
    for _ in range(1900):
        admitted += _burst(throttler, 1)
        clock.advance(1.0)  # 1 per second: 30 per 30 s, under every short window
    assert admitted == 1800
    verdict = throttler.admit("app", "tenant", "19:a@thread.tacv2", "send")
    assert verdict is not None and verdict.window == 3600 and verdict.limit == 1800


def test_fifty_per_second_per_app_per_tenant_across_threads() -> None:
    throttler = Throttler(ManualClock(1000.0))
    admitted = sum(_burst(throttler, 7, thread=f"19:{n}@thread.tacv2") for n in range(8))
    assert admitted == 50
    verdict = throttler.admit("app", "tenant", "19:new@thread.tacv2", "send")
    assert verdict is not None and verdict.scope == "per app per tenant"
    other_tenant = throttler.admit("app", "other", "19:x@thread.tacv2", "send")
    assert other_tenant is None


def test_members_reads_have_their_own_higher_limit() -> None:
    throttler = Throttler(ManualClock(1000.0))
    admitted = sum(
        throttler.admit("app", "t", "19:a@thread.tacv2", "members") is None for _ in range(20)
    )
    assert admitted == 14
    assert _burst(throttler, 7) == 7  # sends are counted apart


def test_all_bots_share_a_thread_limit_of_fourteen() -> None:
    throttler = Throttler(ManualClock(1000.0))
    first = sum(throttler.admit("a", "t", "19:x@thread.tacv2", "send") is None for _ in range(7))
    second = sum(throttler.admit("b", "t", "19:x@thread.tacv2", "send") is None for _ in range(7))
    third = throttler.admit("c", "t", "19:x@thread.tacv2", "send")
    assert (first, second) == (7, 7)
    assert third is not None and third.scope == "per thread for all bots"


def test_disabled_throttler_admits_everything() -> None:
    throttler = Throttler(ManualClock(1000.0), enabled=False)
    assert _burst(throttler, 500) == 500


async def test_connector_answers_429_with_retry_after(world: World, clock: ManualClock) -> None:
    headers = await world.auth()
    thread_url = f"{world.service_url}v3/conversations/{world.channel.id}/activities"
    statuses = []
    for n in range(8):
        response = await world.http.post(
            thread_url, json={"type": "message", "text": f"m{n}"}, headers=headers
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 7 + [429]
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "Throttled"
    clock.advance(1.0)
    again = await world.http.post(thread_url, json={"type": "message"}, headers=headers)
    assert again.status_code == 201


async def test_throttling_switch_over_the_control_api(world: World) -> None:
    http = world.http
    off = await http.put(f"{world.emu.base_url}/_emulator/throttling", json={"enabled": False})
    assert off.json() == {"enabled": False}
    headers = await world.auth()
    url = f"{world.service_url}v3/conversations/{world.channel.id}/activities"
    statuses = {
        (await http.post(url, json={"type": "message"}, headers=headers)).status_code
        for _ in range(20)
    }
    assert statuses == {201}
    await http.put(f"{world.emu.base_url}/_emulator/throttling", json={"enabled": True})
    assert (await http.get(f"{world.emu.base_url}/_emulator/throttling")).json()["enabled"]
    bad = await http.put(f"{world.emu.base_url}/_emulator/throttling", json={"enabled": "no"})
    assert bad.status_code == 400
