"""Sign up, log in, who am I, and access tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config
from codestream.passwords import Argon2Hasher
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.web.app import create_app
from support.api import Api, open_registration_config, operator_of
from support.world import World, assert_error

DAY_MS = 24 * 3600 * 1000


class SettableClock:
    """A clock the test moves by hand; the app takes any callable returning milliseconds."""

    def __init__(self) -> None:
        self.now = 1_750_000_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def config(database_url: str) -> Config:
    """Self-registration turned on: these tests are about signing up over the API."""
    return open_registration_config(database_url)


async def test_it_signs_up_a_user_and_logs_them_in(api: Api) -> None:
    created = await api.client.post(
        "/api/v1/users",
        json={"email": "  Ada@Example.COM ", "password": "correct horse 1", "fullName": "Ada L"},
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "ada@example.com"
    assert user["username"] == "ada"
    assert user["fullName"] == "Ada L"
    assert "password" not in created.text and "correct horse" not in created.text

    login = await api.client.post(
        "/api/v1/login", json={"email": "ADA@example.com", "password": "correct horse 1"}
    )
    assert login.status_code == 200, login.text
    assert login.json()["tokenType"] == "bearer"
    assert login.json()["user"] == user

    me = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['accessToken']}"}
    )
    assert me.status_code == 200
    assert me.json() == user


async def test_it_refuses_a_second_account_for_the_same_email(api: Api) -> None:
    first = await api.sign_up("grace", password="first password")
    again = await api.client.post(
        "/api/v1/users", json={"email": "GRACE@example.com", "password": "second password"}
    )
    assert_error(again, 409, "email_taken")
    # The first account is untouched: its password still works, the second one doesn't.
    ok = await api.client.post(
        "/api/v1/login", json={"email": first.email, "password": "first password"}
    )
    assert ok.status_code == 200
    wrong = await api.client.post(
        "/api/v1/login", json={"email": first.email, "password": "second password"}
    )
    assert_error(wrong, 401)


async def test_it_refuses_a_taken_username(api: Api) -> None:
    first = await api.client.post(
        "/api/v1/users",
        json={"email": "a1@example.com", "password": "password one", "username": "hopper"},
    )
    assert first.status_code == 201
    second = await api.client.post(
        "/api/v1/users",
        json={"email": "a2@example.com", "password": "password two", "username": "hopper"},
    )
    assert_error(second, 409, "username_taken")


async def test_it_answers_401_with_www_authenticate_for_a_wrong_password(api: Api) -> None:
    member = await api.sign_up()
    wrong = await api.client.post(
        "/api/v1/login", json={"email": member.email, "password": "not the password"}
    )
    error = assert_error(wrong, 401, "bad_credentials")
    assert wrong.headers["www-authenticate"] == "Bearer"
    unknown = await api.client.post(
        "/api/v1/login", json={"email": "nobody@example.com", "password": "not the password"}
    )
    # The same answer for an unknown email, so accounts can't be discovered.
    assert assert_error(unknown, 401) == error


async def test_it_answers_401_without_a_valid_token(api: Api) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer cs_not-a-real-token"},
        {"Authorization": "Bearer not-even-our-prefix"},
        {"Authorization": "Basic YWRhOnB3"},
        {"Authorization": "Bearer " + "cs_" + "x" * 5000},
    ):
        response = await api.client.get("/api/v1/me", headers=headers)
        assert_error(response, 401, case=headers)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_it_creates_tokens_and_lists_them_without_their_values(api: Api) -> None:
    member = await api.sign_up()
    created = await api.client.post(
        "/api/v1/tokens", json={"name": "ci pipeline"}, headers=member.headers
    )
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["name"] == "ci pipeline"
    assert token["accessToken"].startswith("cs_")
    assert token["revoked"] is False
    assert token["expiresAt"] > token["createdAt"]

    works = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token['accessToken']}"}
    )
    assert works.status_code == 200
    assert works.json()["id"] == member.id

    listed = await api.client.get("/api/v1/tokens", headers=member.headers)
    assert listed.status_code == 200
    assert sorted(t["name"] for t in listed.json()) == ["ci pipeline", "login"]
    described = next(t for t in listed.json() if t["id"] == token["id"])
    assert described["name"] == "ci pipeline"
    for entry in listed.json():
        assert "accessToken" not in entry
    assert token["accessToken"] not in listed.text
    assert member.token not in listed.text


async def test_it_stops_accepting_a_revoked_token(api: Api) -> None:
    member = await api.sign_up()
    created = await api.client.post(
        "/api/v1/tokens", json={"name": "laptop"}, headers=member.headers
    )
    laptop = created.json()
    laptop_headers = {"Authorization": f"Bearer {laptop['accessToken']}"}
    assert (await api.client.get("/api/v1/me", headers=laptop_headers)).status_code == 200

    revoked = await api.client.delete(f"/api/v1/tokens/{laptop['id']}", headers=member.headers)
    assert revoked.status_code == 204
    assert revoked.content == b""

    assert_error(await api.client.get("/api/v1/me", headers=laptop_headers), 401, "bad_token")
    # The other token still works, and the listing shows the revoked one as such.
    listed = await api.client.get("/api/v1/tokens", headers=member.headers)
    assert listed.status_code == 200
    assert {t["name"]: t["revoked"] for t in listed.json()} == {"login": False, "laptop": True}


async def test_it_does_not_let_anyone_revoke_another_users_token(api: Api) -> None:
    owner = await api.sign_up()
    intruder = await api.sign_up()
    tokens = await api.client.get("/api/v1/tokens", headers=owner.headers)
    owner_token_id = tokens.json()[0]["id"]

    attempt = await api.client.delete(f"/api/v1/tokens/{owner_token_id}", headers=intruder.headers)
    assert_error(attempt, 404, "not_found")
    assert (await api.client.get("/api/v1/me", headers=owner.headers)).status_code == 200
    unknown = await api.client.delete("/api/v1/tokens/" + "0" * 24, headers=owner.headers)
    assert_error(unknown, 404)


@pytest.fixture
async def timed_api(
    config: Config, engine: AsyncEngine
) -> AsyncIterator[tuple[Api, SettableClock]]:
    """The app on a clock the test controls."""
    clock = SettableClock()
    app = create_app(
        config,
        engine=engine,
        hasher=Argon2Hasher(time_cost=1, memory_cost=8192),
        clock=clock,
        migrate=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, operator_of(app)), clock


async def test_it_refuses_an_expired_token(timed_api: tuple[Api, SettableClock]) -> None:
    api, clock = timed_api
    member = await api.sign_up()
    tokens = await api.client.get("/api/v1/tokens", headers=member.headers)
    expires_at = tokens.json()[0]["expiresAt"]
    assert expires_at == clock.now + 90 * DAY_MS

    clock.now = expires_at - 1
    assert (await api.client.get("/api/v1/me", headers=member.headers)).status_code == 200

    clock.now = expires_at
    expired = await api.client.get("/api/v1/me", headers=member.headers)
    assert_error(expired, 401, "token_expired")
    assert expired.headers["www-authenticate"] == "Bearer"
    # Logging in again gives a fresh token that works.
    login = await api.client.post(
        "/api/v1/login", json={"email": member.email, "password": "correct horse 1"}
    )
    fresh = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    assert (await api.client.get("/api/v1/me", headers=fresh)).status_code == 200


INVALID_SIGN_UPS = [
    ({"email": "not-an-email", "password": "long enough"}, "email"),
    ({"email": "a@example.com", "password": "short"}, "password"),
    ({"email": "a@example.com", "password": "long enough", "username": "-dash"}, "username"),
    ({"email": "a@example.com", "password": "long enough", "username": "a b"}, "username"),
    ({"email": "a@example.com", "password": "long enough", "username": "ada\n"}, "username"),
    ({"email": "a\nb@example.com", "password": "long enough"}, "email"),
    ({"email": "a\x00b@example.com", "password": "long enough"}, "email"),
    ({"email": "a@example.com", "password": "long enough", "fullName": "x\x00"}, "fullName"),
]


async def test_it_names_the_field_when_sign_up_input_is_invalid(api: Api) -> None:
    for body, field in INVALID_SIGN_UPS:
        response = await api.client.post("/api/v1/users", json=body)
        error = assert_error(response, 422, case=body)
        assert field in error["message"], error
    # Nothing was created: the same email can still sign up with valid values.
    ok = await api.client.post(
        "/api/v1/users", json={"email": "a@example.com", "password": "long enough"}
    )
    assert ok.status_code == 201, ok.text


async def test_it_answers_409_not_500_when_sign_ups_for_one_email_race(api: Api) -> None:
    body = {"email": "race@example.com", "password": "long enough"}
    responses = await asyncio.gather(
        *(api.client.post("/api/v1/users", json=body) for _ in range(6))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409], [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409)


async def test_a_signed_in_read_goes_on_while_a_writer_holds_the_database(
    world: World, engine: AsyncEngine
) -> None:
    # Checking the token takes no write lock (SQLite lets one writer in at a time): only
    # recording its use does, every few minutes, and this token's was recorded just now.
    path = f"/api/v1/codemarks/{world.codemark['id']}"
    assert (await world.api.client.get(path, headers=world.alice.headers)).status_code == 200
    async with SqlUnitOfWorkFactory(engine)():  # a long change, open meanwhile
        answer = await asyncio.wait_for(
            world.api.client.get(path, headers=world.alice.headers), timeout=5
        )
    assert answer.status_code == 200
    assert answer.json()["id"] == world.codemark["id"]
