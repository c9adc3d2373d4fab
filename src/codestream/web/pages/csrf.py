"""CSRF protection for every form: a signed double-submit token bound to the session.

A random nonce lives in a cookie (`cs_csrf`, `__Host-` prefixed when Secure, SameSite=Lax,
HttpOnly). Each form carries, in the hidden field `csrf_token`, the HMAC-SHA256 under
`sharedSecrets.cookie` of that nonce and the raw session cookie. A POST is accepted only when both
cookies and the field agree (compared with `hmac.compare_digest`). Another site can't read the
cookie or compute the HMAC, and a token taken from one session is worthless in another, so even a
cookie planted by a sibling subdomain doesn't help an attacker.

Use: `token = issue_csrf(request)` while rendering a form, then `apply_csrf_cookie(request,
response)` on the response (`render_page` does both); on POST, `check_csrf(request, submitted)`
before doing anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from fastapi import Request, Response

from codestream.web.pages.session import context_of, cookie_name, is_secure, session_token

CSRF_FIELD = "csrf_token"
CSRF_COOKIE = "cs_csrf"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _cookie_nonce(request: Request) -> str | None:
    value = request.cookies.get(cookie_name(context_of(request).config, CSRF_COOKIE))
    return value if value and _NONCE.match(value) else None


def _mac(request: Request, nonce: str) -> str:
    key = context_of(request).config.cookie_secret.reveal().encode()
    message = f"csrf\x00{nonce}\x00{session_token(request) or ''}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_csrf(request: Request) -> str:
    """The value for a form's hidden `csrf_token` field.

    Reuses the nonce cookie when there is one; otherwise makes a nonce and remembers it on the
    request, for `apply_csrf_cookie` to set.
    """
    nonce = getattr(request.state, "csrf_nonce", None) or _cookie_nonce(request)
    if nonce is None:
        nonce = secrets.token_urlsafe(32)
        request.state.csrf_nonce_is_new = True
    request.state.csrf_nonce = nonce
    return _mac(request, nonce)


def apply_csrf_cookie(request: Request, response: Response) -> None:
    """Set the nonce cookie if `issue_csrf` made a new nonce for this request."""
    if not getattr(request.state, "csrf_nonce_is_new", False):
        return
    config = context_of(request).config
    response.set_cookie(
        cookie_name(config, CSRF_COOKIE),
        request.state.csrf_nonce,
        path="/",
        secure=is_secure(config),
        httponly=True,
        samesite="lax",
    )


def check_csrf(request: Request, submitted: str | None) -> bool:
    """True when the submitted token matches the nonce cookie and the current session."""
    nonce = _cookie_nonce(request)
    if nonce is None or not submitted or len(submitted) > 100:
        return False
    return hmac.compare_digest(_mac(request, nonce).encode(), submitted.encode("utf-8", "replace"))
