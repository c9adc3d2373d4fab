"""Rendering pages: one Jinja2 environment (autoescape on, strict undefined) and safe headers."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from codestream.domain.models import User
from codestream.web.pages.csrf import CSRF_FIELD, apply_csrf_cookie, issue_csrf
from codestream.web.pages.markdown import render_markdown

# Pages load only our own stylesheet; nothing runs, nothing frames us, forms post only to us.
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def format_time(ms: int) -> str:
    """A timestamp for people: `Mar 5, 2024 14:07 UTC`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%b} {moment.day}, {moment:%Y %H:%M} UTC"


def iso_time(ms: int) -> str:
    """A timestamp for machines, for `<time datetime=...>`."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def display_name(user: User | None) -> str:
    """How a person is shown: full name, else username; a placeholder for a missing account."""
    if user is None:
        return "A former member"
    return user.full_name or user.username


@cache
def environment() -> Environment:
    """The Jinja2 environment for the page templates."""
    env = Environment(
        loader=PackageLoader("codestream.web.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = render_markdown
    env.filters["when"] = format_time
    env.filters["iso"] = iso_time
    return env


def headers_running_scripts(origin: str) -> dict[str, str]:
    """SECURITY_HEADERS for a page that runs our own scripts and a library from `origin`
    (scheme://host[:port]), which it may also fetch from; nothing else is loosened."""
    csp = f"{_CSP}; script-src 'self' {origin}; connect-src {origin}"
    return {**SECURITY_HEADERS, "Content-Security-Policy": csp}


@cache
def static_file(name: str) -> bytes:
    """A file of the pages' `static` folder (the stylesheet, our scripts), from the package."""
    return (files("codestream.web.pages") / "static" / name).read_bytes()


def stylesheet() -> bytes:
    """The pages' CSS, from the package."""
    return static_file("style.css")


def render_page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    user: User | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a template into an HTML response with a CSRF token, its cookie, and safe headers
    (`headers`: instead of SECURITY_HEADERS, for a page that runs scripts).

    Templates get `user` (the signed-in user or None), `csrf_field` and `csrf_token` for forms.
    """
    token = issue_csrf(request)
    html = (
        environment()
        .get_template(template)
        .render(user=user, csrf_field=CSRF_FIELD, csrf_token=token, **context)
    )
    response = HTMLResponse(html, status_code=status, headers=headers or SECURITY_HEADERS)
    apply_csrf_cookie(request, response)
    return response


def error_page(
    request: Request, status: int, title: str, message: str, *, user: User | None = None
) -> HTMLResponse:
    """A plain error page."""
    return render_page(
        request, "error.html", status=status, user=user, title=title, message=message
    )


def csrf_failure_page(request: Request) -> HTMLResponse:
    """The 403 page for a POST whose CSRF token is missing or wrong; say that nothing changed."""
    return error_page(
        request,
        403,
        "This form has expired",
        "The form was missing its security token or it didn't match. Nothing was changed. "
        "Go back, reload the page and try again.",
    )
