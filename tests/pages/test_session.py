"""Web sign-in and sign-out over HTTP: cookies, CSRF, wrong passwords and open redirects."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import config_from_document, new_document
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from pages.helpers import PASSWORD, Site, csrf_token, set_cookies

SESSION = "__Host-cs_session"
CSRF = "__Host-cs_csrf"


async def _login_form(client: httpx.AsyncClient, next_path: str = "/web/") -> str:
    form = await client.get("/web/login", params={"next": next_path})
    assert form.status_code == 200
    return csrf_token(form.text)


async def _web_tokens(site: Site, headers: dict[str, str]) -> list[str]:
    tokens = await site.api.client.get("/api/v1/tokens", headers=headers)
    assert tokens.status_code == 200
    return [t["name"] for t in tokens.json() if not t["revoked"]]


async def test_it_shows_the_login_form_with_a_csrf_field(site: Site) -> None:
    response = await site.browser().get("/web/login", params={"next": "/c/abc"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Sign in · CodeStream</title>" in response.text
    assert 'name="email"' in response.text
    assert 'type="password"' in response.text
    assert 'name="next" value="/c/abc"' in response.text
    assert len(csrf_token(response.text)) >= 40
    cookie = set_cookies(response)[CSRF].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie
    assert "path=/" in cookie
    assert SESSION not in set_cookies(response)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_it_logs_in_and_sets_a_secure_httponly_session_cookie(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = site.browser()
    token = await _login_form(browser, "/c/0123456789abcdef01234567")

    response = await browser.post(
        "/web/login",
        data={
            "email": alice.email,
            "password": PASSWORD,
            "next": "/c/0123456789abcdef01234567",
            "csrf_token": token,
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/c/0123456789abcdef01234567"
    cookie = set_cookies(response)[SESSION]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith(f"{SESSION}=cs_")
    assert {"httponly", "secure", "path=/", "samesite=lax"} <= set(flags)
    assert any(flag.startswith("max-age=") for flag in flags)
    assert "web" in await _web_tokens(site, alice.headers)

    home = await browser.get("/web/")
    assert home.status_code == 200
    assert "Alice" in home.text


async def test_it_leaves_cookies_unsecured_when_the_public_url_is_plain_http(
    database_url: str, engine: AsyncEngine
) -> None:
    config = config_from_document(
        new_document("http://localhost:12079"), environ={"CS_DATABASE_URL": database_url}
    )
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:12079") as client:
        response = await client.get("/web/login")
    cookie = set_cookies(response)["cs_csrf"].lower()
    assert "secure" not in cookie
    assert "httponly" in cookie


async def test_it_refuses_a_wrong_password_with_401_and_no_session(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = site.browser()
    token = await _login_form(browser)

    response = await browser.post(
        "/web/login",
        data={
            "email": alice.email,
            "password": "wrong horse",
            "next": "/web/",
            "csrf_token": token,
        },
    )

    assert response.status_code == 401
    assert "don&#39;t match an account" in response.text
    assert f'value="{alice.email}"' in response.text
    assert 'name="csrf_token"' in response.text
    assert SESSION not in set_cookies(response)
    assert "web" not in await _web_tokens(site, alice.headers)


@pytest.mark.parametrize("problem", ["no field", "wrong field", "no cookie", "other nonce"])
async def test_it_refuses_a_login_without_a_valid_csrf_token(site: Site, problem: str) -> None:
    alice = await site.api.sign_up("alice")
    browser = site.browser()
    token = await _login_form(browser)
    data = {"email": alice.email, "password": PASSWORD, "next": "/web/", "csrf_token": token}
    if problem == "no field":
        del data["csrf_token"]
    elif problem == "wrong field":
        data["csrf_token"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif problem == "no cookie":
        browser.cookies.clear()
    else:  # a valid token, but for another browser's nonce
        data["csrf_token"] = await _login_form(site.browser())

    response = await browser.post("/web/login", data=data)

    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert SESSION not in set_cookies(response)
    assert "web" not in await _web_tokens(site, alice.headers)


async def test_it_refuses_a_form_posted_as_json(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    response = await site.browser().post(
        "/web/login", json={"email": alice.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "javascript:alert(1)",
        "evil.com/path",
        "",
        "/é",
    ],
)
async def test_it_redirects_only_to_paths_on_this_site(site: Site, next_path: str) -> None:
    alice = await site.api.sign_up("alice")
    browser = site.browser()
    token = await _login_form(browser)

    response = await browser.post(
        "/web/login",
        data={"email": alice.email, "password": PASSWORD, "next": next_path, "csrf_token": token},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/web/"


async def test_it_keeps_a_same_site_next_with_its_query(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    team = await site.api.create_team(alice)
    codemark = await site.api.create_codemark(alice, team["id"])
    wanted = f"/c/{codemark['id']}?ide=default"
    browser = site.browser()
    form = await browser.get("/web/login", params={"next": wanted})
    signed_in = await site.submit_login(browser, form, alice)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == wanted
    page = await browser.get(signed_in.headers["location"])
    assert page.status_code == 200
    assert "src/app/loop.py" in page.text
    again = await browser.get("/web/login", params={"next": "/c/0123456789abcdef01234567?x=1"})
    assert again.status_code == 303  # already signed in: straight on
    assert again.headers["location"] == "/c/0123456789abcdef01234567?x=1"
    evil = await browser.get("/web/login", params={"next": "//evil.com"})
    assert evil.headers["location"] == "/web/"


async def test_it_logs_out_and_revokes_the_session_token(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = await site.sign_in(alice)
    home = await browser.get("/web/")
    session_value = browser.cookies[SESSION]

    response = await browser.post("/web/logout", data={"csrf_token": csrf_token(home.text)})

    assert response.status_code == 303
    assert response.headers["location"] == "/web/login"
    cleared = set_cookies(response)[SESSION].lower()
    assert "max-age=0" in cleared or "expires=thu, 01 jan 1970" in cleared
    assert "web" not in await _web_tokens(site, alice.headers)
    replay = site.browser()
    replay.cookies.set(SESSION, session_value, domain="codestream.example.com")
    assert (await replay.get("/web/")).status_code == 303


async def test_it_refuses_a_logout_without_a_csrf_token_and_keeps_the_session(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = await site.sign_in(alice)

    response = await browser.post("/web/logout", data={})

    assert response.status_code == 403
    assert SESSION not in set_cookies(response)
    assert (await browser.get("/web/")).status_code == 200


async def test_it_binds_csrf_tokens_to_the_session(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = site.browser()
    anonymous_token = await _login_form(browser)
    await browser.post(
        "/web/login",
        data={"email": alice.email, "password": PASSWORD, "csrf_token": anonymous_token},
    )

    response = await browser.post("/web/logout", data={"csrf_token": anonymous_token})

    assert response.status_code == 403
    assert (await browser.get("/web/")).status_code == 200


async def test_it_sends_visitors_without_a_session_to_the_login_page(site: Site) -> None:
    response = await site.browser().get("/web/")
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login?next=/web/"


async def test_it_serves_the_stylesheet(site: Site) -> None:
    response = await site.browser().get("/web/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "font-family" in response.text
