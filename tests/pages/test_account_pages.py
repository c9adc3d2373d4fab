"""The account page, the team page and the set-password page over HTTP: each change needs the
form's CSRF token, refused changes change nothing, and a change ends the sessions it says."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import httpx

from pages.helpers import PASSWORD, Site, csrf_token
from support.api import Member

NEW_PASSWORD = "a much better passphrase"
_LINK = re.compile(r'id="set-password-link">([^<]+)<')


async def _post(
    browser: httpx.AsyncClient, page: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    """Submit a form of `page` (fetched first, for its CSRF token) to `action`."""
    form = await browser.get(page)
    assert form.status_code == 200, form.text
    return await browser.post(action, data={**fields, "csrf_token": csrf_token(form.text)})


async def _signed_in(browser: httpx.AsyncClient) -> bool:
    response = await browser.get("/web/account")
    assert response.status_code in (200, 303)
    return response.status_code == 200


async def _can_log_in(site: Site, email: str, password: str) -> bool:
    response = await site.api.client.post(
        "/api/v1/login", json={"email": email, "password": password}
    )
    return response.status_code == 200


async def test_changing_the_password_keeps_this_session_and_ends_the_others(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    here, there = await site.sign_in(alice), await site.sign_in(alice)
    page = await here.get("/web/account")
    assert alice.email in page.text and "No Teams user is signed in as you." in page.text

    fields = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    no_csrf = await here.post("/web/account/password", data={**fields, "confirm_password": ""})
    assert no_csrf.status_code == 403 and "Nothing was changed" in no_csrf.text
    mismatch = await _post(
        here, "/web/account", "/web/account/password", {**fields, "confirm_password": "other"}
    )
    assert mismatch.status_code == 422 and "The two new passwords differ" in mismatch.text
    wrong = await _post(
        here,
        "/web/account",
        "/web/account/password",
        {**fields, "current_password": "not mine at all", "confirm_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    assert await _signed_in(there) and await _can_log_in(site, alice.email, PASSWORD)

    changed = await _post(
        here, "/web/account", "/web/account/password", {**fields, "confirm_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    # The API token of the sign-up, the other browser's session and the API login just above.
    assert "Your password was changed. 3 session(s) and access token(s)" in unescape(changed.text)
    assert await _signed_in(here)
    assert not await _signed_in(there)
    assert not await _can_log_in(site, alice.email, PASSWORD)
    assert await _can_log_in(site, alice.email, NEW_PASSWORD)


async def test_signing_out_everywhere_ends_this_session_too(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    here, there = await site.sign_in(alice), await site.sign_in(alice)
    done = await _post(here, "/web/account", "/web/account/sign-out-everywhere", {})
    assert done.status_code == 303 and done.headers["location"] == "/web/login"
    assert not await _signed_in(here) and not await _signed_in(there)
    me = await site.api.client.get("/api/v1/me", headers=alice.headers)
    assert me.status_code == 401


async def _team_with(site: Site, admin: Member, *members: Member) -> str:
    team = await site.api.create_team(admin, "Plant Eaters")
    for member in members:
        await site.api.add_member(admin, team["id"], member)
    return str(team["id"])


async def test_an_admin_adds_a_person_who_sets_their_password_with_the_link(site: Site) -> None:
    alice, bob = await site.api.sign_up("alice"), await site.api.sign_up("bob")
    team_id = await _team_with(site, alice, bob)
    page = f"/web/teams/{team_id}"
    person = {"email": "dave@example.com", "full_name": "Dave"}

    bobs = await site.sign_in(bob)
    view = await bobs.get(page)
    assert view.status_code == 200 and "Add a person" not in view.text
    refused = await _post(bobs, page, f"{page}/members/add", person)
    assert refused.status_code == 403 and "only admins" in unescape(refused.text)
    members = await site.api.client.get(f"/api/v1/teams/{team_id}/members", headers=alice.headers)
    assert "dave@example.com" not in members.text

    alices = await site.sign_in(alice)
    added = await _post(alices, page, f"{page}/members/add", person)
    assert added.status_code == 200, added.text
    link = _LINK.search(added.text)
    assert link is not None, added.text
    url = urlsplit(unescape(link.group(1)))
    assert url.path == "/web/set-password"
    assert _LINK.search((await alices.get(page)).text) is None  # shown once

    dave = site.browser()
    path = f"{url.path}?{url.query}"
    form = await dave.get(path)
    assert form.status_code == 200 and "dave@example.com" in form.text
    token = unescape(re.search(r'name="token" value="([^"]+)"', form.text)[1])  # type: ignore[index]
    mismatch = await dave.post(
        "/web/set-password",
        data={
            "csrf_token": csrf_token(form.text),
            "token": token,
            "new_password": NEW_PASSWORD,
            "confirm_password": "different",
        },
    )
    assert mismatch.status_code == 422
    done = await dave.post(
        "/web/set-password",
        data={
            "csrf_token": csrf_token(form.text),
            "token": token,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 303, done.text
    assert await _can_log_in(site, "dave@example.com", NEW_PASSWORD)
    used = await dave.get(path)
    assert used.status_code == 400 and "can't be used" in unescape(used.text)
    tampered = await dave.get(path[:-3] + "AAA")
    assert tampered.status_code == 400


async def test_an_admin_resets_a_password_and_removes_a_member(site: Site) -> None:
    alice, bob = await site.api.sign_up("alice"), await site.api.sign_up("bob")
    team_id = await _team_with(site, alice, bob)
    codemark = await site.api.create_codemark(alice, team_id)
    page = f"/web/teams/{team_id}"
    bobs = await site.sign_in(bob)
    refused = await _post(bobs, page, f"{page}/members/remove", {"user_id": alice.id})
    assert refused.status_code == 403
    assert (await bobs.get(f"/c/{codemark['id']}")).status_code == 200

    alices = await site.sign_in(alice)
    reset = await _post(alices, page, f"{page}/members/reset-password", {"user_id": bob.id})
    assert reset.status_code == 200, reset.text
    assert f"The password of {bob.email} was reset." in unescape(reset.text)
    assert _LINK.search(reset.text) is not None
    assert not await _signed_in(bobs)
    assert not await _can_log_in(site, bob.email, PASSWORD)

    last = await _post(alices, page, f"{page}/members/remove", {"user_id": alice.id})
    assert last.status_code == 409 and "at least one admin" in unescape(last.text)
    removed = await _post(alices, page, f"{page}/members/remove", {"user_id": bob.id})
    assert removed.status_code == 200 and f"{bob.email} was removed" in removed.text
    response = await site.api.client.get(f"/api/v1/codemarks/{codemark['id']}", headers=bob.headers)
    assert response.status_code in (401, 404)
