"""Our inbound verifier and Microsoft's `JwtTokenValidation` (botframework-connector, the dev
extra) judge the same channel tokens alike: both accept what Teams sends, both refuse each of the
emulator's bad tokens. Both fetch the keys from the emulator's OpenID metadata over HTTP.

The SDK fetches keys with blocking calls, so it runs in a worker thread while the emulator serves
from the test's event loop.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from codestream.teams.auth import InboundAuthError, InboundVerifier
from codestream.teams.openid import SigningKeys
from teams_emulator import RunningEmulator, Scene, run_emulator, scene

pytest.importorskip(
    "aiohttp", reason="botframework-connector needs aiohttp: add it to the dev extra"
)
pytest.importorskip("botframework.connector", reason="botframework-connector (dev extra) missing")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CHANNEL = "msteams"
SDK_REFUSALS = ("Could not validate endorsement key", "Token signing algorithm not in allowed list")
"""The bare `Exception`s botframework-connector 4.17.1 raises to refuse a token."""


def _is_sdk_refusal(error: BaseException) -> bool:
    """Whether `error` is the SDK refusing a token (not a mistake in this test): PermissionError,
    a PyJWT error, one of SDK_REFUSALS, or its key lookup finding no key for the token's kid
    (`_OpenIdMetadata._find` indexes an empty list)."""
    if isinstance(error, PermissionError | jwt.PyJWTError):
        return True
    if type(error) is Exception and str(error) in SDK_REFUSALS:
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return isinstance(error, IndexError) and bool(frames) and frames[-1].name == "_find"


@dataclass
class Judges:
    """One emulator, our verifier and Microsoft's validation, both pointed at its keys."""

    emu: RunningEmulator
    cast: Scene
    verifier: InboundVerifier

    @property
    def service_url(self) -> str:
        return self.emu.service_url(self.cast.tenant)

    def mint(self, **knobs: Any) -> str:
        """A channel token for our bot; `knobs` make bad ones (see `ChannelTokens.mint`)."""
        return self.emu.emulator.channel_tokens.mint(
            self.cast.bot.app_id, self.service_url, **knobs
        )

    async def ours(self, token: str) -> bool:
        """Whether our verifier lets the token in (it raises InboundAuthError to refuse)."""
        try:
            await self.verifier.verify(
                f"Bearer {token}", channel_id=CHANNEL, service_url=self.service_url
            )
        except InboundAuthError:
            return False
        return True

    async def microsofts(self, token: str) -> bool:
        """Whether Microsoft's `JwtTokenValidation.validate_auth_header` lets the token in.

        An exception that is not one of the SDK's refusals (`_is_sdk_refusal`) fails the test."""
        from botframework.connector.auth import JwtTokenValidation, SimpleCredentialProvider

        credentials = SimpleCredentialProvider(self.cast.bot.app_id, self.cast.bot.secret)
        header, service_url = f"Bearer {token}", self.service_url

        def validate() -> bool:
            try:
                identity = asyncio.run(
                    JwtTokenValidation.validate_auth_header(
                        header, credentials, "", CHANNEL, service_url
                    )
                )
            except Exception as error:
                if _is_sdk_refusal(error):
                    return False
                raise
            return bool(identity.is_authenticated)

        return await asyncio.to_thread(validate)


@pytest.fixture
async def judges(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Judges]:
    from botframework.connector.auth import ChannelValidation, JwtTokenExtractor

    async with run_emulator() as emu, httpx.AsyncClient() as http:
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", emu.openid_metadata_url)
        # The SDK caches keys per metadata URL for the process; a port reused by an earlier
        # test's emulator must not lend this one its keys.
        monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
        cast = scene(emu.emulator)
        keys = SigningKeys(http, emu.openid_metadata_url)
        verifier = InboundVerifier(keys, app_id=cast.bot.app_id, issuer=emu.token_issuer)
        yield Judges(emu, cast, verifier)


def _retired(judges: Judges) -> str:
    ring = judges.emu.emulator.channel_keys
    old = ring.active
    ring.rotate()
    return judges.mint(key=old)


def _another_bots(judges: Judges) -> str:
    other = judges.emu.emulator.add_bot(name="Someone else's bot")
    return judges.emu.emulator.channel_tokens.mint(other.app_id, judges.service_url)


BAD: dict[str, Callable[[Judges], str]] = {
    "expired": lambda j: j.mint(
        expires=j.emu.emulator.clock() - 600, not_before=j.emu.emulator.clock() - 4000
    ),
    "nbf_future": lambda j: j.mint(not_before=j.emu.emulator.clock() + 600),
    "wrong_aud": lambda j: j.mint(audience="someone-else"),
    "another_bots_token": _another_bots,
    "wrong_iss": lambda j: j.mint(issuer="https://evil.example"),
    "alg_none": lambda j: j.mint(algorithm="none"),
    "hs256_public_key": lambda j: j.mint(algorithm="HS256"),
    "rs384": lambda j: j.mint(algorithm="RS384"),
    "unknown_kid": lambda j: j.mint(key=j.emu.emulator.channel_keys.unpublished_key()),
    "retired_key": _retired,
    "unendorsed_key": lambda j: j.mint(
        key=j.emu.emulator.channel_keys.add_key(["webchat"], activate=False)
    ),
    "no_serviceurl": lambda j: j.mint(drop_claims=["serviceurl"]),
    "serviceurl_mismatch": lambda j: j.mint(service_url_claim="https://evil.example.com/"),
}

GOOD: dict[str, Callable[[Judges], str]] = {
    "as Teams sends it": lambda j: j.mint(),
    "expired 4 minutes ago (within the skew)": lambda j: j.mint(
        expires=j.emu.emulator.clock() - 240, not_before=j.emu.emulator.clock() - 3600
    ),
    "valid from 4 minutes ahead (within the skew)": lambda j: j.mint(
        not_before=j.emu.emulator.clock() + 240
    ),
}


@pytest.mark.parametrize("variant", list(BAD))
async def test_both_refuse_the_emulators_bad_token(judges: Judges, variant: str) -> None:
    token = BAD[variant](judges)
    assert await judges.ours(token) is False
    assert await judges.microsofts(token) is False
    # The same two judges, in the same world, let a good token in.
    good = judges.mint()
    assert await judges.ours(good) is True
    assert await judges.microsofts(good) is True


@pytest.mark.parametrize("variant", list(GOOD))
async def test_both_accept_what_teams_sends(judges: Judges, variant: str) -> None:
    token = GOOD[variant](judges)
    assert await judges.ours(token) is True
    assert await judges.microsofts(token) is True
