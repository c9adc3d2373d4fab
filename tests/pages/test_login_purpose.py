"""The sign-in page says why you are signing in, from where it sends you next, before it asks
for a password (#16)."""

from __future__ import annotations

import pytest

from pages.helpers import Site, csrf_token


@pytest.mark.parametrize(
    ("next_path", "heading", "reason"),
    [
        ("/c/cm_123", "Sign in to see this codemark", "Someone shared a link to a codemark."),
        ("/web/account", "Sign in to see your account", "your Microsoft Teams links"),
        ("/web/teams/t_1", "Sign in to see this team", "this CodeStream team"),
        ("/web/", "Sign in to CodeStream", "the email and password of your CodeStream account"),
    ],
)
async def test_the_sign_in_page_says_why_first(
    site: Site, next_path: str, heading: str, reason: str
) -> None:
    page = await site.browser().get("/web/login", params={"next": next_path})
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert page.text.index(heading) < page.text.index(reason) < page.text.index('type="password"')


async def test_a_failed_sign_in_keeps_saying_why(site: Site) -> None:
    member = await site.api.sign_up("ana")
    browser = site.browser()
    form = await browser.get("/web/login", params={"next": "/c/cm_123"})
    refused = await browser.post(
        "/web/login",
        data={
            "email": member.email,
            "password": "not the password",
            "next": "/c/cm_123",
            "csrf_token": csrf_token(form.text),
        },
    )
    assert refused.status_code == 401
    assert "<h1>Sign in to see this codemark</h1>" in refused.text
