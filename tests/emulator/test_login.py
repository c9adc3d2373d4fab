"""OpenID metadata, JWKS and the Entra-shaped token endpoint."""

from __future__ import annotations

import base64

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from teams_emulator import BOT_FRAMEWORK_TENANT_ID, ManualClock, RunningEmulator

from .conftest import SCOPE, World


def _form(app_id: str, secret: str, scope: str = SCOPE) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": app_id,
        "client_secret": secret,
        "scope": scope,
    }


async def test_openid_metadata_points_at_this_servers_keys(served: RunningEmulator) -> None:
    emu = served
    async with httpx.AsyncClient() as http:
        meta = (await http.get(emu.openid_metadata_url)).json()
        assert meta["issuer"] == "https://api.botframework.com"
        assert meta["jwks_uri"] == f"{emu.base_url}/v1/.well-known/keys"
        assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
        keys = (await http.get(meta["jwks_uri"])).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kid"] == key["x5t"]
    assert key["alg"] == "RS256" and key["kty"] == "RSA" and key["use"] == "sig"
    assert "msteams" in key["endorsements"]
    cert = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    jwk_key = jwt.PyJWK(key).key
    assert jwk_key.public_numbers() == public.public_numbers()


async def test_token_endpoint_issues_a_bot_framework_token(world: World) -> None:
    response = await world.http.post(
        world.emu.token_url(world.tenant.id), data=_form(world.bot.app_id, world.bot.secret)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://api.botframework.com"
    assert claims["iss"] == f"https://sts.windows.net/{world.tenant.id}/"
    assert claims["appid"] == world.bot.app_id
    assert claims["tid"] == world.tenant.id
    assert claims["exp"] - claims["iat"] == 3600


async def test_tenant_domain_is_accepted_like_the_id(world: World) -> None:
    response = await world.http.post(
        world.emu.token_url(world.tenant.domain), data=_form(world.bot.app_id, world.bot.secret)
    )
    assert response.status_code == 200


async def test_bad_secret_is_aadsts7000215(world: World) -> None:
    response = await world.http.post(
        world.emu.token_url(world.tenant.id), data=_form(world.bot.app_id, "wrong")
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


async def test_single_tenant_bot_at_botframework_com_is_aadsts700016(world: World) -> None:
    response = await world.http.post(
        world.emu.token_url("botframework.com"), data=_form(world.bot.app_id, world.bot.secret)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unauthorized_client"
    assert body["error_codes"] == [700016]
    assert "was not found in the directory 'Bot Framework'" in body["error_description"]


async def test_unknown_tenant_is_aadsts90002(world: World) -> None:
    response = await world.http.post(
        world.emu.token_url("00000000-0000-0000-0000-000000000000"),
        data=_form(world.bot.app_id, world.bot.secret),
    )
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]


async def test_other_token_request_errors(world: World) -> None:
    url = world.emu.token_url(world.tenant.id)
    missing_secret = _form(world.bot.app_id, "")
    cases = [
        (missing_secret, 401, 7000216),
        (_form(world.bot.app_id, world.bot.secret, "https://api.botframework.com"), 400, 1002012),
        (
            _form(world.bot.app_id, world.bot.secret, "https://graph.microsoft.com/.default"),
            400,
            500011,
        ),
        ({**_form(world.bot.app_id, world.bot.secret), "grant_type": "password"}, 400, 70003),
        ({"grant_type": "client_credentials", "scope": SCOPE}, 400, 900144),
        (_form("11111111-1111-1111-1111-111111111111", "x"), 400, 700016),
    ]
    for form, status, code in cases:
        response = await world.http.post(url, data=form)
        assert (response.status_code, response.json()["error_codes"]) == (status, [code]), form


async def test_multi_tenant_bot_gets_tokens_from_botframework_com(world: World) -> None:
    legacy = world.emu.emulator.add_bot(name="Legacy")
    response = await world.http.post(
        world.emu.token_url("botframework.com"),
        data={**_form(legacy.app_id, legacy.secret), "client_info": "1"},
    )
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["tid"] == BOT_FRAMEWORK_TENANT_ID


async def test_token_lifetime_is_configurable_and_expiry_is_enforced(clock: ManualClock) -> None:
    from teams_emulator import run_emulator

    from .conftest import make_world

    async with run_emulator(clock=clock, token_lifetime=600, token_skew=0) as emu:
        world = await make_world(emu)
        token = await world.token()
        assert jwt.decode(token, options={"verify_signature": False})["exp"] == int(clock()) + 600
        url = f"{world.service_url}v3/teams/{world.team.id}"
        headers = {"Authorization": f"Bearer {token}"}
        assert (await world.http.get(url, headers=headers)).status_code == 200
        clock.advance(601)
        expired = await world.http.get(url, headers=headers)
        assert expired.status_code == 401
        assert expired.json() == {"message": "Authorization has been denied for this request."}
        await world.http.aclose()


async def test_entra_discovery_documents(world: World) -> None:
    meta = (
        await world.http.get(
            f"{world.emu.login_url}/{world.tenant.id}/v2.0/.well-known/openid-configuration"
        )
    ).json()
    assert meta["token_endpoint"] == world.emu.token_url(world.tenant.id)
    keys = (await world.http.get(meta["jwks_uri"])).json()["keys"]
    token = await world.token()
    signing = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(
        token, signing, algorithms=["RS256"], audience="https://api.botframework.com"
    )
    assert claims["appid"] == world.bot.app_id
