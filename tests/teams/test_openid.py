"""The signing-key cache against the emulator's keys, served over real HTTP, on a manual clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from codestream.teams.openid import REFRESH_INTERVAL, UNKNOWN_KID_COOLDOWN, SigningKeys
from teams_emulator import ManualClock, RunningEmulator, run_emulator


@dataclass
class Keys:
    emu: RunningEmulator
    clock: ManualClock
    cache: SigningKeys

    def fetches(self) -> int:
        """GETs of the JWK set the emulator has served (or failed)."""
        return len(self.emu.emulator.transcript.query(route="keys"))


@pytest.fixture
async def keys() -> AsyncIterator[Keys]:
    clock = ManualClock()
    async with run_emulator(clock=clock) as emu, httpx.AsyncClient() as http:
        yield Keys(emu, clock, SigningKeys(http, emu.openid_metadata_url, clock=clock))


async def test_keys_are_fetched_once_and_served_from_the_cache(keys: Keys) -> None:
    active = keys.emu.emulator.channel_keys.active
    found = await keys.cache.key_for(active.kid)
    assert found is not None
    assert found.kid == active.kid
    assert "msteams" in found.endorsements
    for _ in range(10):
        assert await keys.cache.key_for(active.kid) is not None
    assert keys.fetches() == 1


async def test_the_key_set_is_refreshed_after_24_hours(keys: Keys) -> None:
    ring = keys.emu.emulator.channel_keys
    old = ring.active
    assert await keys.cache.key_for(old.kid) is not None
    ring.rotate()
    keys.clock.advance(REFRESH_INTERVAL - 1)
    assert await keys.cache.key_for(old.kid) is not None  # still cached, as Microsoft allows
    assert keys.fetches() == 1
    keys.clock.advance(1)
    assert await keys.cache.key_for(old.kid) is None  # the daily refresh dropped it
    assert keys.fetches() == 2
    assert await keys.cache.key_for(ring.active.kid) is not None
    assert keys.fetches() == 2


async def test_a_key_published_just_after_a_fetch_is_found_at_once(keys: Keys) -> None:
    ring = keys.emu.emulator.channel_keys
    assert await keys.cache.key_for(ring.active.kid) is not None
    new = ring.add_key()
    assert await keys.cache.key_for(new.kid) is not None
    assert keys.fetches() == 2


async def test_unknown_kids_refresh_at_most_once_per_cooldown(keys: Keys) -> None:
    ring = keys.emu.emulator.channel_keys
    assert await keys.cache.key_for(ring.active.kid) is not None
    assert await keys.cache.key_for("forged-1") is None
    assert keys.fetches() == 2
    for n in range(30):
        keys.clock.advance(1)
        assert await keys.cache.key_for(f"forged-{n}") is None
    assert keys.fetches() == 2  # 30 s of forged kids: no more fetches
    late = ring.add_key()
    assert await keys.cache.key_for(late.kid) is None  # even a real new key waits out the cooldown
    keys.clock.advance(UNKNOWN_KID_COOLDOWN - 30)
    assert await keys.cache.key_for(late.kid) is not None
    assert keys.fetches() == 3


async def test_fifty_concurrent_requests_share_one_refresh(keys: Keys) -> None:
    keys.emu.emulator.faults.add("keys", latency=0.2, count=1)  # a slow first fetch
    active = keys.emu.emulator.channel_keys.active.kid
    found = await asyncio.gather(*(keys.cache.key_for(active) for _ in range(50)))
    assert all(key is not None for key in found)
    assert keys.fetches() == 1
    keys.emu.emulator.faults.add("keys", latency=0.2, count=1)
    unknown = await asyncio.gather(*(keys.cache.key_for(f"forged-{n}") for n in range(50)))
    assert unknown == [None] * 50
    assert keys.fetches() == 2


@pytest.mark.parametrize("route", ["keys", "openid"])
async def test_stale_keys_are_served_when_a_refresh_fails(
    keys: Keys, route: str, caplog: pytest.LogCaptureFixture
) -> None:
    active = keys.emu.emulator.channel_keys.active.kid
    assert await keys.cache.key_for(active) is not None
    keys.emu.emulator.faults.add(route, status=503)
    keys.clock.advance(REFRESH_INTERVAL + 1)
    with caplog.at_level(logging.WARNING, logger="codestream.teams.openid"):
        for _ in range(10):
            assert await keys.cache.key_for(active) is not None
    warnings = [r for r in caplog.records if r.name == "codestream.teams.openid"]
    assert len(warnings) == 1  # one attempt per cooldown, not one per request
    assert warnings[0].levelno == logging.WARNING
    assert "could not refresh" in warnings[0].getMessage()
    assert "503" in warnings[0].getMessage() or "HTTPStatusError" in warnings[0].getMessage()
    keys.emu.emulator.faults.clear()
    keys.emu.emulator.channel_keys.rotate()
    keys.clock.advance(UNKNOWN_KID_COOLDOWN)
    assert await keys.cache.key_for(active) is None  # the outage over, the refresh goes through


async def test_no_keys_at_all_when_the_first_fetch_fails_then_recovery(keys: Keys) -> None:
    keys.emu.emulator.faults.add("keys", drop=True, count=1)
    active = keys.emu.emulator.channel_keys.active.kid
    assert await keys.cache.key_for(active) is None
    assert await keys.cache.key_for(active) is None  # within the cooldown: no second attempt
    assert keys.fetches() == 1
    keys.clock.advance(UNKNOWN_KID_COOLDOWN)
    assert await keys.cache.key_for(active) is not None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"keys": "nope"}, id="keys-not-a-list"),
        pytest.param(["not", "an", "object"], id="array"),
        pytest.param({"keys": []}, id="empty"),
        pytest.param({"keys": [{"kty": "RSA", "kid": "k"}]}, id="rsa-without-n-and-e"),
        pytest.param({"keys": [{"kty": "RSA", "kid": "k", "n": 5, "e": 3}]}, id="numbers"),
    ],
)
async def test_an_unusable_key_set_keeps_the_keys_we_have(keys: Keys, body: object) -> None:
    active = keys.emu.emulator.channel_keys.active.kid
    assert await keys.cache.key_for(active) is not None
    keys.emu.emulator.faults.add("keys", status=200, body=body)
    keys.clock.advance(REFRESH_INTERVAL)
    assert await keys.cache.key_for(active) is not None
    assert keys.fetches() == 2


async def test_bad_entries_are_skipped_and_good_ones_kept(keys: Keys) -> None:
    ring = keys.emu.emulator.channel_keys
    good = ring.active.jwk()
    private = {**good, "kid": "private", "d": good["n"], "p": good["n"], "q": good["n"]}
    junk = [
        {"kty": "RSA", "kid": "no-modulus"},
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "RSA", "kid": "bad-base64", "n": "***", "e": "AQAB"},
        {"kty": "RSA", "kid": 42, "n": good["n"], "e": "AQAB"},
        "a string",
        private,
        {**good, "kid": "no-endorsements", "endorsements": "msteams"},
    ]
    keys.emu.emulator.faults.add("keys", status=200, body={"keys": [*junk, good]})
    found = await keys.cache.key_for(good["kid"])
    assert found is not None and "msteams" in found.endorsements
    for kid in ("no-modulus", "ec", "bad-base64", "private"):
        assert await keys.cache.key_for(kid) is None
    odd = await keys.cache.key_for("no-endorsements")
    assert odd is not None and odd.endorsements == frozenset()
