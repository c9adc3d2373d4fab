"""The web session: a cookie holding the user's access token, and safe redirects.

The cookie holds the opaque access token that `AccountService.log_in(token_name="web")` issues,
unsigned. Signing it would add nothing: the value is 256 random bits, the server stores only its
SHA-256, and every request checks it against storage, so it can't be forged, and it can be revoked
(logout does) or expire on the server whatever the browser keeps. The cookie is HttpOnly,
SameSite=Lax, Path=/, and Secure with the `__Host-` name prefix when `publicApiUrl` is https, so
neither scripts, other sites' POSTs nor sibling subdomains can read or plant it.

Reusable by every page (the Teams sign-in page too): `current_web_user`, `log_in`,
`start_session`, `end_session`, `login_redirect`, `safe_next`, `session_token`, `is_secure`.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from codestream.config import Config
from codestream.domain.models import User
from codestream.errors import CodeStreamError, NotAuthenticated
from codestream.web.context import WebContext
from codestream.web.login_limits import guarded_log_in

SESSION_COOKIE = "cs_session"
SESSION_TOKEN_NAME = "web"
SESSION_TTL_SECONDS = 14 * 24 * 3600
DEFAULT_NEXT = "/web/"
_MAX_NEXT = 2000
_MAX_TOKEN = 200


def context_of(request: Request) -> WebContext:
    """The app's WebContext."""
    context: WebContext = request.app.state.ctx
    return context


def is_secure(config: Config) -> bool:
    """True when users reach us over https, so cookies must be Secure."""
    return config.public_api_url.lower().startswith("https://")


def cookie_name(config: Config, base: str) -> str:
    """The cookie's name: `__Host-` prefixed when Secure, so only this host can set it."""
    return f"__Host-{base}" if is_secure(config) else base


def session_token(request: Request) -> str | None:
    """The raw session cookie value, or None; not checked against storage."""
    value = request.cookies.get(cookie_name(context_of(request).config, SESSION_COOKIE))
    if not value or len(value) > _MAX_TOKEN:
        return None
    return value


async def current_web_user(request: Request) -> User | None:
    """The user of the request's web session, or None without a valid one (cached per request)."""
    if hasattr(request.state, "web_user"):
        cached: User | None = request.state.web_user
        return cached
    token = session_token(request)
    user: User | None = None
    if token is not None:
        try:
            services = context_of(request).services
            user = await services.authenticate(token)
        except NotAuthenticated:
            user = None
    request.state.web_user = user
    return user


async def log_in(request: Request, email: str, password: str) -> tuple[User, str]:
    """Check the credentials (rate-limited, see `web/login_limits.py`) and issue a web session
    token; raises NotAuthenticated, TooManyAttempts or ServerBusy."""
    return await guarded_log_in(
        request, email, password, token_name=SESSION_TOKEN_NAME, ttl_ms=SESSION_TTL_SECONDS * 1000
    )


def start_session(request: Request, response: Response, token: str) -> None:
    """Set the session cookie on a response (normally the redirect after a login)."""
    config = context_of(request).config
    response.set_cookie(
        cookie_name(config, SESSION_COOKIE),
        token,
        max_age=SESSION_TTL_SECONDS,
        path="/",
        secure=is_secure(config),
        httponly=True,
        samesite="lax",
    )


async def end_session(request: Request, response: Response) -> None:
    """Revoke the session's token on the server (best effort) and clear the cookie."""
    config = context_of(request).config
    token = session_token(request)
    user = await current_web_user(request)
    if token is not None and user is not None:
        services = context_of(request).services
        # The cookie goes anyway; an unrevoked token still expires.
        with contextlib.suppress(CodeStreamError):
            await services.write(services.accounts.revoke_token_value, user, token)
    response.delete_cookie(
        cookie_name(config, SESSION_COOKIE),
        path="/",
        secure=is_secure(config),
        httponly=True,
        samesite="lax",
    )
    request.state.web_user = None


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """`value` if it is a path on this site, else `default`: no open redirects.

    Accepts only printable ASCII starting with one `/`: rejects `//host`, `/\\host` (browsers read
    a backslash as a slash), tabs and newlines (browsers drop them, turning `/\\t/host` into
    `//host`), schemes and hosts.
    """
    if not value or len(value) > _MAX_NEXT or not value.startswith("/"):
        return default
    if not value.isascii() or any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in value):
        return default
    if value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_redirect(path: str) -> RedirectResponse:
    """303 to the sign-in page, coming back to `path` (a path on this site) afterwards."""
    return RedirectResponse(f"/web/login?next={quote(safe_next(path), safe='/')}", status_code=303)
