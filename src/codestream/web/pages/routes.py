"""Page routes: web sign-in and sign-out, and a small home page (the codemark permalink page is
`codemark_page.py`).

Pages answer in HTML, their own errors too (routing errors such as 405 keep the app's JSON shape);
every POST form is CSRF-checked before anything happens.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from codestream.domain.models import Codemark, Team
from codestream.errors import (
    CodeStreamError,
    NotAuthenticated,
    ServerBusy,
    TooManyAttempts,
)
from codestream.web.login_limits import wait_in_words
from codestream.web.pages import legal
from codestream.web.pages.csrf import CSRF_FIELD, check_csrf
from codestream.web.pages.login_purpose import login_purpose
from codestream.web.pages.msteams_signin import is_signin_path, link_error, link_problem, state_of
from codestream.web.pages.render import (
    csrf_failure_page,
    error_page,
    render_page,
    static_file,
    stylesheet,
)
from codestream.web.pages.session import (
    context_of,
    current_web_user,
    end_session,
    log_in,
    login_redirect,
    safe_next,
    start_session,
)

router = APIRouter(include_in_schema=False)
router.include_router(legal.router)  # /web/privacy, /web/terms

_HOME_CODEMARKS = 20


def form_field(form: FormData, name: str, limit: int = 10_000) -> str:
    """A text field of a form; empty when absent, a file, or too long."""
    value = form.get(name)
    return value if isinstance(value, str) and len(value) <= limit else ""


@router.get("/web/static/style.css")
async def style() -> Response:
    """The pages' stylesheet."""
    return Response(
        stylesheet(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/web/static/msteams-signin.js")
async def signin_script() -> Response:
    """The sign-in page's script: hands the one-time code back to Teams, inside Teams."""
    return Response(
        static_file("msteams-signin.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/web/login")
async def login_form(request: Request, next: str = "") -> Response:
    """The sign-in form; straight on to `next` when already signed in."""
    target = safe_next(next)
    if await current_web_user(request) is not None:
        return RedirectResponse(target, status_code=303)
    if is_signin_path(target):  # say that a Teams link is used up before asking for a password
        problem = await link_problem(context_of(request).services, state_of(target))
        if problem is not None:
            return link_error(request, problem, None)
    return _login_page(request, target)


def _login_page(
    request: Request, target: str, *, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    """The sign-in form, saying first why the visitor signs in (from where they go next)."""
    return render_page(
        request,
        "login.html",
        status=status,
        next=target,
        email=email,
        error=error,
        purpose=login_purpose(target),
    )


@router.post("/web/login")
async def login_submit(request: Request) -> Response:
    """Check the CSRF token and the password; on success set the session and go to `next`."""
    form = await request.form()
    if not check_csrf(request, form_field(form, CSRF_FIELD)):
        return csrf_failure_page(request)
    target = safe_next(form_field(form, "next"))
    email = form_field(form, "email", limit=320)
    try:
        _user, token = await log_in(request, email, form_field(form, "password", limit=1000))
    except NotAuthenticated:
        return _login_page(
            request,
            target,
            status=401,
            email=email,
            error="That email and password don't match an account. Check them and try again.",
        )
    except TooManyAttempts as exc:
        page = _login_page(
            request,
            target,
            status=429,
            email=email,
            error="Too many failed sign-in attempts for this account or from this network. "
            f"Nothing was checked this time. Wait {wait_in_words(exc.retry_after_seconds)} "
            "and try again, or ask an admin to reset your password.",
        )
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    except ServerBusy as exc:
        page = error_page(
            request,
            503,
            "The server is busy",
            "The server is busy checking other sign-ins right now. Nothing was checked. "
            "Go back and try again in a few seconds.",
        )
        page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, token)
    return response


@router.post("/web/logout")
async def logout(request: Request) -> Response:
    """End the session (the token is revoked) and go to the sign-in page."""
    form = await request.form()
    if not check_csrf(request, form_field(form, CSRF_FIELD)):
        return csrf_failure_page(request)
    response = RedirectResponse("/web/login", status_code=303)
    await end_session(request, response)
    return response


@router.get("/web/")
async def home(request: Request) -> Response:
    """The signed-in user's teams and their latest codemarks."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect("/web/")
    services = context_of(request).services
    teams: list[tuple[Team, list[Codemark]]] = []
    for team in await services.read(services.teams.list_teams, user):
        try:
            page = await services.read(
                services.codemarks.list_codemarks, user, team.id, limit=_HOME_CODEMARKS
            )
        except CodeStreamError:
            continue
        teams.append((team, page.items))
    return render_page(request, "home.html", user=user, teams=teams)
