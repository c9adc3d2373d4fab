"""Helpers for page tests: a browser-like client over https, signing in, reading forms."""

from __future__ import annotations

import re
from html import unescape

import httpx

from support.api import Api, Member, operator_of

SITE = "https://codestream.example.com"  # the config's publicApiUrl, so Secure cookies are sent
PASSWORD = "correct horse 1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'name="next" value="([^"]*)"')


def csrf_token(html: str) -> str:
    """The hidden CSRF field's value in a page."""
    match = _CSRF.search(html)
    assert match is not None, "no csrf_token field in the page"
    return match.group(1)


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header
    return found


class Site:
    """The app as browsers see it: each `browser()` is a separate cookie jar."""

    def __init__(self, transport: httpx.ASGITransport) -> None:
        self._transport = transport
        self._clients: list[httpx.AsyncClient] = []
        self.api = Api(self.browser(), operator_of(transport.app))

    def browser(self) -> httpx.AsyncClient:
        """A fresh client with its own cookies; redirects are not followed."""
        client = httpx.AsyncClient(transport=self._transport, base_url=SITE)
        self._clients.append(client)
        return client

    async def sign_in(self, member: Member, next_path: str = "/web/") -> httpx.AsyncClient:
        """A browser that went through the sign-in form as `member`."""
        client = self.browser()
        form = await client.get("/web/login", params={"next": next_path})
        response = await self.submit_login(client, form, member)
        assert response.status_code == 303, response.text
        return client

    async def submit_login(
        self, client: httpx.AsyncClient, form: httpx.Response, member: Member
    ) -> httpx.Response:
        """Fill in the sign-in page `form` as `member` and submit it, as a browser does: with the
        page's own CSRF token and `next` field. Returns the login's answer (not followed)."""
        assert form.status_code == 200, form.text
        next_field = _NEXT.search(form.text)
        assert next_field is not None, "no next field in the sign-in form"
        return await client.post(
            "/web/login",
            data={
                "email": member.email,
                "password": PASSWORD,
                "next": unescape(next_field.group(1)),
                "csrf_token": csrf_token(form.text),
            },
        )

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients:
            await client.aclose()
