"""Who may POST to the messaging endpoint: the Bot Framework's token rules, case by case.

Every request goes over HTTP to our server. Tokens are minted with the emulator's channel keys,
or forged on purpose with `sign_jwt`; our app fetches the keys from the emulator like it would
from login.botframework.com.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest

from support.bots import BotWorld, assert_refusal, start_bot_world
from teams_emulator import BOT_FRAMEWORK_ISSUER, sign_jwt

SKEW = 300


def _claims(world: BotWorld, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "serviceurl": world.service_url,
        "nbf": now - 5,
        "exp": now + 3600,
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": world.bot.app_id,
    }
    claims.update(changes)
    return claims


async def test_a_valid_token_is_accepted(auth_world: BotWorld) -> None:
    response = await auth_world.post()
    assert response.status_code == 200


async def test_token_times_allow_five_minutes_of_clock_skew(auth_world: BotWorld) -> None:
    now = time.time()
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("expired within the skew", {"expires": now - (SKEW - 60)}, 200),
        ("expired beyond the skew", {"expires": now - (SKEW + 60)}, 401),
        ("nbf within the skew", {"not_before": now + SKEW - 60}, 200),
        ("nbf beyond the skew", {"not_before": now + SKEW + 60}, 401),
        ("iat beyond the skew", {"extra_claims": {"iat": int(now + SKEW + 60)}}, 401),
        ("exp not a number", {"extra_claims": {"exp": "tomorrow"}}, 401),
        ("exp absurdly far", {"extra_claims": {"exp": 10**400}}, 401),
    ]
    for case, knobs, status in cases:
        response = await auth_world.post(token=auth_world.token(**knobs))
        assert response.status_code == status, case
        if status != 200:
            assert_refusal(response, status, "unauthorized")


async def test_wrong_audience_issuer_or_claims_are_refused(auth_world: BotWorld) -> None:
    other_bot = auth_world.emu.emulator.add_bot(name="Someone else's bot")
    tokens = {
        "wrong aud": auth_world.token(audience="https://api.botframework.com"),
        "another bot's app id": auth_world.emu.emulator.channel_tokens.mint(
            other_bot.app_id, auth_world.service_url
        ),
        "aud missing": auth_world.token(drop_claims=["aud"]),
        "wrong iss": auth_world.token(issuer="https://sts.windows.net/evil/"),
        "exp missing": auth_world.token(drop_claims=["exp"]),
        "serviceurl missing": auth_world.token(drop_claims=["serviceurl"]),
        "serviceurl mismatch": auth_world.token(service_url_claim="https://evil.example.com/"),
        # Microsoft's validators read the claim by its exact lower-case name.
        "serviceUrl in camel case only": auth_world.token(
            drop_claims=["serviceurl"], extra_claims={"serviceUrl": auth_world.service_url}
        ),
    }
    for case, token in tokens.items():
        response = await auth_world.post(token=token)
        assert response.status_code == 401, case
        assert_refusal(response, 401, "unauthorized")
    assert (await auth_world.post()).status_code == 200  # the same world accepts a good one


async def test_a_trailing_slash_difference_in_service_url_is_accepted(
    auth_world: BotWorld,
) -> None:
    with_slash = auth_world.service_url
    assert with_slash.endswith("/")
    without = with_slash.removesuffix("/")
    token_without = auth_world.token(service_url_claim=without)
    assert (await auth_world.post(token=token_without)).status_code == 200
    body_without = auth_world.activity(serviceUrl=without)
    assert (await auth_world.post(body_without)).status_code == 200
    # Only one slash is forgiven, and only at the end.
    for claim in (with_slash + "/", without + "/x/", without.upper()):
        token = auth_world.token(service_url_claim=claim)
        assert_refusal(await auth_world.post(token=token), 401, "unauthorized")


async def test_forged_algorithms_are_refused(auth_world: BotWorld) -> None:
    key = auth_world.emu.emulator.channel_keys.active
    claims = _claims(auth_world)
    forged = {
        "alg none": sign_jwt(claims, algorithm="none"),
        "alg none with the real kid": sign_jwt(claims, algorithm="none", headers={"kid": key.kid}),
        "HS256 keyed with the public key PEM": sign_jwt(claims, key=key, algorithm="HS256"),
        "RS384 by the real key": sign_jwt(claims, key=key, algorithm="RS384"),
        "PS256 by the real key": sign_jwt(claims, key=key, algorithm="PS256"),
        "RS256 header, signature stripped": sign_jwt(claims, key=key).rpartition(".")[0] + ".",
    }
    for case, token in forged.items():
        response = await auth_world.post(token=token)
        assert response.status_code == 401, case
        assert_refusal(response, 401, "unauthorized")
    assert (await auth_world.post(token=sign_jwt(claims, key=key))).status_code == 200


async def test_a_tampered_payload_is_refused(auth_world: BotWorld) -> None:
    other = auth_world.emu.emulator.add_bot(name="Other")
    header, payload, signature = auth_world.emu.emulator.channel_tokens.mint(
        other.app_id, auth_world.service_url
    ).split(".")
    claims = json.loads(_b64decode(payload))
    claims["aud"] = auth_world.bot.app_id  # re-aim another bot's genuine token at us
    forged = f"{header}.{_b64encode(json.dumps(claims).encode())}.{signature}"
    assert_refusal(await auth_world.post(token=forged), 401, "unauthorized")


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_unknown_kids_are_refused_and_refresh_the_keys_at_most_once(
    auth_world: BotWorld,
) -> None:
    assert (await auth_world.post()).status_code == 200
    fetched = auth_world.key_fetches()
    assert fetched == 1
    stranger = auth_world.emu.emulator.channel_keys.unpublished_key()
    tokens = [auth_world.token(key=stranger) for _ in range(20)]
    responses = await asyncio.gather(*(auth_world.post(token=t) for t in tokens))
    for response in responses:
        assert_refusal(response, 401, "unauthorized")
    assert auth_world.key_fetches() - fetched <= 1
    assert (await auth_world.post()).status_code == 200  # the real key still works


async def test_a_key_added_after_our_cache_filled_is_fetched_on_first_use(
    auth_world: BotWorld,
) -> None:
    assert (await auth_world.post()).status_code == 200
    assert auth_world.key_fetches() == 1
    old = auth_world.emu.emulator.channel_keys.active
    new = auth_world.emu.emulator.channel_keys.add_key()
    assert new.kid != old.kid
    response = await auth_world.post(token=auth_world.token(key=new))
    assert response.status_code == 200, response.text
    assert auth_world.key_fetches() == 2
    assert (await auth_world.post(token=auth_world.token(key=old))).status_code == 200


async def test_a_retired_key_is_refused_once_our_keys_are_fetched_again(
    sqlite_url: str,
) -> None:
    async with start_bot_world(sqlite_url, migrate=False) as world:
        keys = world.emu.emulator.channel_keys
        old = keys.active
        old_token = world.token(key=old)
        assert (await world.post(token=old_token)).status_code == 200
        keys.rotate()
        assert keys.find_published(old.kid) is None
    async with start_bot_world(sqlite_url, migrate=False) as world:
        # A fresh app: the same as ours after its daily refresh (unit-tested with a clock in
        # tests/teams/test_auth.py). The emulator here is new too, so retire its first key.
        keys = world.emu.emulator.channel_keys
        old = keys.active
        keys.rotate()
        assert_refusal(await world.post(token=world.token(key=old)), 401, "unauthorized")
        assert (await world.post(token=world.token())).status_code == 200


async def test_a_key_not_endorsed_for_msteams_is_forbidden(auth_world: BotWorld) -> None:
    webchat_only = auth_world.emu.emulator.channel_keys.add_key(["webchat"], activate=False)
    response = await auth_world.post(token=auth_world.token(key=webchat_only))
    assert_refusal(response, 403, "forbidden")
    # The same key may sign for the channel it is endorsed for.
    webchat = auth_world.activity(channelId="webchat")
    assert (
        await auth_world.post(webchat, token=auth_world.token(key=webchat_only))
    ).status_code == 200


async def test_bad_authorization_headers_are_refused(auth_world: BotWorld) -> None:
    headers = {
        "missing": "",
        "garbage": "garbage",
        "bearer garbage": "Bearer garbage",
        "three junk segments": "Bearer a.b.c",
        "empty segments": "Bearer ..",
        "Basic": "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer with no token": "Bearer",
        "another scheme": "Token abc",
        "two tokens": f"Bearer {auth_world.token()} {auth_world.token()}",
        "the token without a scheme": auth_world.token(),
    }
    for case, authorization in headers.items():
        response = await auth_world.post(authorization=authorization)
        assert response.status_code == 401, case
        assert_refusal(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("size", [16 * 1024, 64 * 1024])
async def test_huge_authorization_headers_are_refused_without_a_crash(
    auth_world: BotWorld, size: int
) -> None:
    valid = auth_world.token()
    huge = valid + "A" * (size - len(valid))
    response = await auth_world.post(token=huge)
    assert 400 <= response.status_code < 500
    if response.headers.get("content-type", "").startswith("application/json"):
        assert_refusal(response, response.status_code)
    assert (await auth_world.post()).status_code == 200  # and the server is still fine


async def test_bodies_that_are_not_activities_are_400(auth_world: BotWorld) -> None:
    bodies = {
        "malformed JSON": b'{"type": "message", ',
        "not UTF-8": b'{"type": "\xff\xfe"}',
        "a JSON array": json.dumps([auth_world.activity()]).encode(),
        "a string": b'"message"',
        "null": b"null",
        "an object that isn't an activity": b'{"hello": "world"}',
        "type of the wrong type": json.dumps(auth_world.activity(type=7)).encode(),
        "no serviceUrl": json.dumps(
            {k: v for k, v in auth_world.activity().items() if k != "serviceUrl"}
        ).encode(),
        "entities not a list of objects": json.dumps(
            auth_world.activity(entities=[{"type": "mention"}, "x"])
        ).encode(),
        "channelData not an object": json.dumps(auth_world.activity(channelData=[1])).encode(),
        "a conversation without an id": json.dumps(
            auth_world.activity(conversation={"conversationType": "channel"})
        ).encode(),
        "an id over 1024 characters": json.dumps(auth_world.activity(id="a" * 1025)).encode(),
        "deeply nested": b'{"value": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "empty": b"",
    }
    for case, body in bodies.items():
        response = await auth_world.post(content=body)
        assert response.status_code == 400, case
        assert_refusal(response, 400, "not_an_activity")


async def test_a_body_over_256_kib_is_413_even_with_a_valid_token(auth_world: BotWorld) -> None:
    big = auth_world.activity(text="x" * (256 * 1024))
    assert_refusal(await auth_world.post(big), 413, "payload_too_large")
    just_fits = auth_world.activity(text="")
    room = 256 * 1024 - len(json.dumps(just_fits).encode())
    fits = auth_world.activity(text="y" * room)
    assert len(json.dumps(fits).encode()) == 256 * 1024
    assert (await auth_world.post(fits)).status_code == 200


async def test_refusals_say_nothing_about_our_secrets(auth_world: BotWorld) -> None:
    secret = auth_world.bot.secret
    responses = [
        await auth_world.post(authorization="Bearer x"),
        await auth_world.post(token=auth_world.token(audience="nope")),
        await auth_world.post(content=b"{"),
    ]
    for response in responses:
        assert secret not in response.text
        assert auth_world.bot.app_id not in response.text
