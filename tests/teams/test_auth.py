"""The inbound verifier with the emulator's keys over real HTTP, on one manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from codestream.teams.auth import (
    MAX_TOKEN_LENGTH,
    InboundAuthError,
    InboundVerifier,
    same_service_url,
)
from codestream.teams.openid import REFRESH_INTERVAL, SigningKeys
from teams_emulator import BOT_FRAMEWORK_ISSUER, ManualClock, RunningEmulator, run_emulator

APP_ID = "8b3c8f8e-1111-4222-8333-944444444444"
SERVICE_URL = "https://smba.trafficmanager.net/amer/tenant/"


@dataclass
class Checker:
    emu: RunningEmulator
    clock: ManualClock
    verifier: InboundVerifier

    def token(self, **mint: object) -> str:
        return self.emu.emulator.channel_tokens.mint(APP_ID, SERVICE_URL, **mint)  # type: ignore[arg-type]

    async def refused(self, authorization: str | None) -> InboundAuthError:
        with pytest.raises(InboundAuthError) as caught:
            await self.verifier.verify(authorization, channel_id="msteams", service_url=SERVICE_URL)
        return caught.value


@pytest.fixture
async def checker() -> AsyncIterator[Checker]:
    clock = ManualClock()  # 2026-01-01: far from the real time, so only our clock can pass it
    async with run_emulator(clock=clock) as emu, httpx.AsyncClient() as http:
        keys = SigningKeys(http, emu.openid_metadata_url, clock=clock)
        verifier = InboundVerifier(keys, app_id=APP_ID, issuer=BOT_FRAMEWORK_ISSUER, clock=clock)
        yield Checker(emu, clock, verifier)


async def test_a_channel_token_is_verified_on_the_injected_clock(checker: Checker) -> None:
    verified = await checker.verifier.verify(
        f"Bearer {checker.token()}", channel_id="msteams", service_url=SERVICE_URL
    )
    assert verified.service_url == SERVICE_URL
    assert verified.kid == checker.emu.emulator.channel_keys.active.kid
    assert "msteams" in verified.endorsements
    assert verified.claims["aud"] == APP_ID


async def test_a_remembered_token_still_expires(checker: Checker) -> None:
    token = f"Bearer {checker.token(lifetime=600)}"
    await checker.verifier.verify(token, channel_id="msteams", service_url=SERVICE_URL)
    checker.clock.advance(600 + 299)
    await checker.verifier.verify(token, channel_id="msteams", service_url=SERVICE_URL)
    checker.clock.advance(2)
    error = await checker.refused(token)
    assert error.status == 401
    assert "expired" in error.reason


async def test_a_remembered_token_of_a_retired_key_fails_after_the_daily_refresh(
    checker: Checker,
) -> None:
    token = f"Bearer {checker.token(lifetime=3 * 86400)}"
    await checker.verifier.verify(token, channel_id="msteams", service_url=SERVICE_URL)
    checker.emu.emulator.channel_keys.rotate()
    checker.clock.advance(3600)
    await checker.verifier.verify(token, channel_id="msteams", service_url=SERVICE_URL)
    checker.clock.advance(REFRESH_INTERVAL)
    error = await checker.refused(token)
    assert error.status == 401
    assert "unknown signing key" in error.reason
    fresh = f"Bearer {checker.token()}"
    await checker.verifier.verify(fresh, channel_id="msteams", service_url=SERVICE_URL)


async def test_not_before_is_checked_on_the_injected_clock(checker: Checker) -> None:
    early = f"Bearer {checker.token(not_before=checker.clock() + 400)}"
    assert (await checker.refused(early)).status == 401
    checker.clock.advance(101)
    await checker.verifier.verify(early, channel_id="msteams", service_url=SERVICE_URL)


async def test_the_token_must_fit_the_activity(checker: Checker) -> None:
    verified = await checker.verifier.authenticate(f"Bearer {checker.token()}")
    with pytest.raises(InboundAuthError) as caught:
        InboundVerifier.authorize(verified, channel_id="slack", service_url=SERVICE_URL)
    assert caught.value.status == 403
    with pytest.raises(InboundAuthError) as caught:
        InboundVerifier.authorize(
            verified, channel_id="msteams", service_url="https://evil.example.com/"
        )
    assert caught.value.status == 401
    InboundVerifier.authorize(
        verified, channel_id="msteams", service_url=SERVICE_URL.removesuffix("/")
    )


@pytest.mark.parametrize(
    ("claimed", "actual", "same"),
    [
        ("https://a.example/x/", "https://a.example/x/", True),
        ("https://a.example/x", "https://a.example/x/", True),
        ("https://a.example/x/", "https://a.example/x", True),
        ("https://a.example/x//", "https://a.example/x", False),
        ("https://a.example/x/", "https://a.example/y/", False),
        ("https://A.example/x/", "https://a.example/x/", False),
        ("", "", False),
        ("/", "", False),
    ],
)
def test_service_urls_match_exactly_but_for_one_trailing_slash(
    claimed: str, actual: str, same: bool
) -> None:
    assert same_service_url(claimed, actual) is same


async def test_the_scheme_is_bearer_in_any_case(checker: Checker) -> None:
    token = checker.token()
    for scheme in ("Bearer", "bearer", "BEARER"):
        await checker.verifier.verify(
            f"{scheme} {token}", channel_id="msteams", service_url=SERVICE_URL
        )
    assert (await checker.refused(f"Bearer{token}")).status == 401
    assert (await checker.refused(None)).status == 401
    assert (await checker.refused("Bearer " + "a" * MAX_TOKEN_LENGTH)).status == 401
