"""The notifications page over HTTP: it shows the defaults, each change needs the form's CSRF
token, and what it saves is what the REST API says."""

from __future__ import annotations

from typing import Any

import httpx

from pages.helpers import Site, csrf_token
from support.api import Member


async def _post(browser: httpx.AsyncClient, action: str, fields: dict[str, str]) -> httpx.Response:
    form = await browser.get("/web/notifications")
    assert form.status_code == 200, form.text
    return await browser.post(action, data={**fields, "csrf_token": csrf_token(form.text)})


async def _settings(site: Site, member: Member) -> dict[str, Any]:
    response = await site.api.client.get("/api/v1/me/notifications", headers=member.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_page_saves_switches_and_mutes(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    browser = await site.sign_in(alice)
    page = await browser.get("/web/notifications")
    assert page.status_code == 200
    assert 'name="assigned" value="on" checked' in page.text
    assert 'name="replies_joined" value="on">' in page.text  # off by default
    no_csrf = await browser.post("/web/notifications/switches", data={"assigned": "on"})
    assert no_csrf.status_code == 403
    assert (await _settings(site, alice))["mentioned"] is True
    saved = await _post(
        browser, "/web/notifications/switches", {"assigned": "on", "replies_joined": "on"}
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    settings = await _settings(site, alice)
    assert (settings["assigned"], settings["mentioned"], settings["replies"]) == (
        True,
        False,
        False,
    )
    assert settings["repliesJoined"] is True
    muted = await _post(browser, "/web/notifications/mute", {"until": "tomorrow"})
    assert muted.status_code == 200 and "Muted until" in muted.text
    assert (await _settings(site, alice))["mutedUntil"] is not None
    bad = await _post(browser, "/web/notifications/mute", {"until": "forever"})
    assert bad.status_code == 422
    assert (await _settings(site, alice))["mutedUntil"] is not None
    unmuted = await _post(browser, "/web/notifications/mute", {"until": "off"})
    assert unmuted.status_code == 200 and "Unmuted." in unmuted.text
    assert (await _settings(site, alice))["mutedUntil"] is None


async def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    response = await site.browser().get("/web/notifications")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login")
