"""Who may create an account, and with which password (#15, section 3).

Self-registration (`POST /api/v1/users`) is off unless `apiServer.selfRegistration` is on;
admins create accounts with `codestream user create`. Every new password passes one policy
(NIST SP 800-63B): at least 8 characters, at most 256, not only whitespace, not the email, and
not on zxcvbn's list of common and breached passwords.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from support.api import Api, open_registration_config, operator_of
from support.world import assert_error

WEAK = [
    ("12345678", "common and breached"),
    ("        ", "only spaces"),
    ("\t \u3000\n \t  ", "only spaces"),
    ("Password1", "common and breached"),
    ("P@ssw0rd", "common and breached"),
    ("qwertyuiop", "common and breached"),
    ("seven c", "at least 8 characters"),
    ("🔑🔑🔑🔑🔑🔑🔑", "at least 8 characters"),  # 7 code points, 28 bytes
    ("x" * 257, "at most 256 characters"),
    ("newcomer@example.com", "your email address"),
]
STRONG = ["plum tea", "🔑🔑🔑🔑🔑🔑🔑🔑", "  spaced  out  ", "x" * 256]


async def test_sign_up_is_closed_by_default_and_says_how_to_get_an_account(api: Api) -> None:
    body = {"email": "newcomer@example.com", "password": "correct horse 1"}

    refused = await api.client.post("/api/v1/users", json=body)

    error = assert_error(refused, 403, "registration_closed")
    assert "ask an admin" in error["message"]
    assert "codestream user create" in error["message"]
    login = await api.client.post("/api/v1/login", json=body)
    assert_error(login, 401, "bad_credentials")  # nothing was created
    # Bad input gets the same refusal: nothing about the server's rules leaks through.
    assert_error(await api.client.post("/api/v1/users", json={}), 403, "registration_closed")


@pytest.fixture
async def open_api(database_url: str, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The app with `apiServer.selfRegistration` on."""
    app = create_app(
        open_registration_config(database_url),
        engine=engine,
        hasher=Argon2Hasher(time_cost=1, memory_cost=8192),
        migrate=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, operator_of(app))


async def test_sign_up_is_open_when_the_setting_is_on(open_api: Api) -> None:
    body = {"email": "newcomer@example.com", "password": "correct horse 1"}
    created = await open_api.client.post("/api/v1/users", json=body)
    assert created.status_code == 201, created.text
    assert (await open_api.client.post("/api/v1/login", json=body)).status_code == 200


async def test_sign_up_refuses_weak_passwords_naming_the_rule(open_api: Api) -> None:
    for password, rule in WEAK:
        body = {"email": "newcomer@example.com", "password": password}
        response = await open_api.client.post("/api/v1/users", json=body)
        error = assert_error(response, 422, "weak_password", case=password)
        assert rule in error["message"], (password, error)
        assert error["field"] == "password"
        assert password.strip() == "" or password not in response.text  # never echoed
    for number, password in enumerate(STRONG):
        email = f"strong{number}@example.com"
        body = {"email": email, "password": password}
        created = await open_api.client.post("/api/v1/users", json=body)
        assert created.status_code == 201, (password, created.text)
        assert (await open_api.client.post("/api/v1/login", json=body)).status_code == 200


async def test_the_operator_path_refuses_weak_passwords_too(api: Api) -> None:
    with pytest.raises(Exception, match="common and breached") as refused:
        await api.operator.sign_up(email="newcomer@example.com", password="12345678")
    assert getattr(refused.value, "code", None) == "weak_password"
