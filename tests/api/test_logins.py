"""Logins can't stall the server or tell which accounts exist (#15, section 2).

Password checks run in worker threads behind a bounded gate (503 beyond it), failed logins are
limited per account and per client address (429 with `Retry-After`), and an unknown email costs
one password verification, like a wrong password. The hashers here go through the real wiring
seam (`create_app(hasher=...)`), behind the real gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config
from codestream.passwords import HashingCapacity
from codestream.web.app import create_app
from support.api import operator_of
from support.hashers import HeldHasher, until
from support.world import assert_error

PASSWORD = "correct horse 1"
ALICE = "alice@example.com"


@dataclass
class Server:
    """The app in process; `client(address)` is a client connecting from that address."""

    app: object
    hasher: HeldHasher
    clients: list[httpx.AsyncClient]

    def client(self, address: str = "192.0.2.10") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=transport, base_url="https://codestream.example.com")
        self.clients.append(client)
        return client


@pytest.fixture
async def server(config: Config, engine: AsyncEngine) -> AsyncIterator[Server]:
    """Two hashing workers, two more waiting."""
    hasher = HeldHasher()
    app = create_app(
        config,
        engine=engine,
        hasher=hasher,
        hashing=HashingCapacity(workers=2, waiting=2),
        migrate=False,
    )
    running = Server(app, hasher, [])
    await operator_of(app).sign_up(email=ALICE, password=PASSWORD, full_name="Alice")
    try:
        yield running
    finally:
        hasher.release.set()
        for client in running.clients:
            await client.aclose()


def login(client: httpx.AsyncClient, email: str, password: str) -> Awaitable[httpx.Response]:
    return client.post("/api/v1/login", json={"email": email, "password": password})


async def test_logins_beyond_the_queue_get_503_without_hashing(server: Server) -> None:
    server.hasher.release.clear()
    storm = [
        asyncio.create_task(
            login(server.client(f"192.0.2.{i}"), f"user{i}@example.com", "not the password")
        )
        for i in range(6)  # two run, two wait, two are turned away
    ]
    await until(lambda: server.hasher.held == 2 and sum(t.done() for t in storm) == 2)
    page = await _page_login(server.client("192.0.2.12"), ALICE, PASSWORD)

    for refused in [t.result() for t in storm if t.done()]:
        error = assert_error(refused, 503, "server_busy")
        assert "try again" in error["message"]
        assert int(refused.headers["retry-after"]) >= 1
    assert page.status_code == 503
    assert "try again in a few seconds" in page.text
    assert int(page.headers["retry-after"]) >= 1
    server.hasher.release.set()
    admitted = await asyncio.gather(*storm)
    assert sorted(a.status_code for a in admitted) == [401, 401, 401, 401, 503, 503]
    assert server.hasher.verifications == 4  # the refused ones were never checked
    # Once the storm has passed, the same login goes through.
    assert (await login(server.client("192.0.2.12"), ALICE, PASSWORD)).status_code == 200


async def test_failed_logins_per_account_get_429_and_a_success_resets(server: Server) -> None:
    client = server.client()
    for _ in range(4):
        assert_error(await login(client, ALICE, "not the password"), 401)
    assert (await login(client, ALICE, PASSWORD)).status_code == 200
    for _ in range(5):
        assert_error(await login(client, ALICE, "not the password"), 401)
    checked = server.hasher.verifications

    # From another address too, and with the right password: the account waits.
    limited = await login(server.client("198.51.100.20"), " ALICE@example.com", PASSWORD)

    error = assert_error(limited, 429, "too_many_attempts")
    assert "try again" in error["message"]
    assert 1 <= int(limited.headers["retry-after"]) <= 15 * 60
    assert server.hasher.verifications == checked
    # Another account from the same address is not affected.
    bob = await operator_of(server.app).sign_up(email="bob@example.com", password=PASSWORD)
    assert (await login(client, bob.email, PASSWORD)).status_code == 200


async def test_an_unknown_email_is_limited_like_a_known_one(server: Server) -> None:
    client = server.client()
    answers = []
    for email in (ALICE, "nobody@example.com"):
        for _ in range(5):
            assert_error(await login(client, email, "not the password"), 401)
        answers.append(await login(client, email, "not the password"))
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()


async def test_failed_logins_per_address_get_429_whatever_the_forwarded_header(
    server: Server,
) -> None:
    attacker = server.client("203.0.113.66")
    for i in range(20):
        spoofed = {"X-Forwarded-For": f"198.51.100.{i}"}
        answer = await attacker.post(
            "/api/v1/login",
            json={"email": f"victim{i % 5}@example.com", "password": "not the password"},
            headers=spoofed,
        )
        assert_error(answer, 401)
    checked = server.hasher.verifications

    limited = await login(attacker, ALICE, PASSWORD)
    page = await _page_login(attacker, ALICE, PASSWORD)

    assert_error(limited, 429, "too_many_attempts")
    assert int(limited.headers["retry-after"]) >= 1
    assert page.status_code == 429
    assert "Too many failed sign-in attempts" in page.text
    assert int(page.headers["retry-after"]) >= 1
    assert server.hasher.verifications == checked
    # Alice, from her own address, signs in.
    assert (await login(server.client("192.0.2.50"), ALICE, PASSWORD)).status_code == 200


async def test_an_unknown_email_costs_one_verification_like_a_wrong_password(
    server: Server,
) -> None:
    client = server.client()
    answers = []
    for email in (ALICE, "nobody@example.com", "ALICE@example.com", "nobody2@example.com"):
        before = server.hasher.verifications
        answers.append(await login(client, email, "not the password"))
        assert server.hasher.verifications == before + 1, email

    first = assert_error(answers[0], 401, "bad_credentials")
    for answer in answers[1:]:
        assert assert_error(answer, 401) == first
        assert answer.headers == answers[0].headers or _same_but_length(answer, answers[0])


async def _page_login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await client.get("/web/login")
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return await client.post(
        "/web/login",
        data={"email": email, "password": password, "next": "/web/", "csrf_token": token},
    )


def _same_but_length(one: httpx.Response, other: httpx.Response) -> bool:
    skip = {"content-length", "date"}
    return {k: v for k, v in one.headers.items() if k not in skip} == {
        k: v for k, v in other.headers.items() if k not in skip
    }


async def test_guessing_the_current_password_to_change_it_is_limited_like_a_login(
    server: Server,
) -> None:
    """A stolen session can't be used to guess the account's password through the change
    form: wrong current passwords count like failed logins."""
    client = server.client()
    token = (await login(client, ALICE, PASSWORD)).json()["accessToken"]
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(5):
        wrong = await client.post(
            "/api/v1/me/password",
            json={"currentPassword": f"guess number {i}", "newPassword": "a new passphrase 9"},
            headers=headers,
        )
        assert_error(wrong, 422, "wrong_password")
    checked = server.hasher.verifications

    limited = await client.post(
        "/api/v1/me/password",
        json={"currentPassword": PASSWORD, "newPassword": "a new passphrase 9"},
        headers=headers,
    )

    assert_error(limited, 429, "too_many_attempts")
    assert int(limited.headers["retry-after"]) >= 1
    assert server.hasher.verifications == checked
    # Nothing changed: the old password still works (once the window has passed; here, the
    # account is still waiting, so even the right password is turned away).
    assert_error(await login(server.client("192.0.2.77"), ALICE, PASSWORD), 429)


async def test_an_account_waiting_for_its_password_costs_a_verification_too(
    server: Server,
) -> None:
    """An invited account has no usable password yet; a login to it does the same work and gets
    the same answer as a wrong password, so it doesn't stand out."""

    operator = operator_of(server.app)
    invited = operator.accounts.new_invited_account(email="invited@example.com")
    await operator.write(operator.accounts.sign_up, invited)
    client = server.client()
    before = server.hasher.verifications
    waiting = await login(client, "invited@example.com", "anything at all 1")
    assert server.hasher.verifications == before + 1
    assert server.hasher.last_verified_hash.startswith("$argon2id$")  # a real, full-cost check
    wrong = await login(client, ALICE, "anything at all 1")
    assert assert_error(waiting, 401) == assert_error(wrong, 401)
