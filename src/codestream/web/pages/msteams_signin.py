"""`/web/msteams/signin`: where the bot's Sign in button leads.

GET checks the signed `state` (400 if altered or not ours, 410 if expired or used), sends a visitor
without a web session to the sign-in page and back, then shows which Teams user and Microsoft
tenant are being linked and the user's CodeStream teams to pick from. POST (CSRF-checked) links
them, uses up the link, queues the bot's confirmation in the personal chat, and shows a one-time
code for Teams clients that can't confirm. A refused request changes nothing.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from codestream.domain.models import User
from codestream.domain.services import Services
from codestream.domain.services.msteams_signin import (
    MAX_STATE_LENGTH,
    SignInLinkExpired,
    SignInLinkInvalid,
    SignInView,
)
from codestream.errors import CodeStreamError, InvalidInput
from codestream.web.pages.csrf import CSRF_FIELD, check_csrf
from codestream.web.pages.render import csrf_failure_page, error_page, render_page
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

PATH = "/web/msteams/signin"
_MAX_TEAMS = 200


def _page_path(state: str) -> str:
    return f"{PATH}?state={quote(state, safe='')}"


def _link_error(request: Request, exc: CodeStreamError, user: User | None) -> HTMLResponse:
    title = "This link has expired" if isinstance(exc, SignInLinkExpired) else "Invalid link"
    return error_page(request, exc.http_status, title, exc.message, user=user)


def _form(
    request: Request,
    user: User,
    view: SignInView,
    state: str,
    *,
    checked: set[str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    if checked is None:
        checked = set(view.linked_team_ids) & {t.id for t in view.teams}
        if not checked and len(view.teams) == 1:
            checked = {view.teams[0].id}
    return render_page(
        request,
        "msteams_signin.html",
        status=status,
        user=user,
        view=view,
        state=state,
        teams_user_name=view.teams_user_name,
        checked=checked,
        error=error,
    )


def _precheck(services: Services, state: str) -> CodeStreamError | None:
    """Signature and age, before asking anyone to sign in."""
    try:
        services.signin.check_link(state)
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return exc
    return None


@router.get(PATH)
async def signin_page(request: Request, state: str = "") -> Response:
    """Show who is being linked and the team picker."""
    services = context_of(request).services
    user = await current_web_user(request)
    problem = _precheck(services, state[: MAX_STATE_LENGTH + 1])
    if problem is not None:
        return _link_error(request, problem, user)
    if user is None:
        return login_redirect(_page_path(state))
    try:
        view = await services.read(services.signin.open_signin, state, user)
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return _link_error(request, exc, user)
    return _form(request, user, view, state)


@router.post(PATH)
async def signin_submit(request: Request) -> Response:
    """Link the Teams user and tenant to the signed-in user and the picked teams."""
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if not check_csrf(request, submitted if isinstance(submitted, str) else None):
        return csrf_failure_page(request)
    raw_state = form.get("state")
    state = raw_state if isinstance(raw_state, str) and len(raw_state) <= MAX_STATE_LENGTH else ""
    services = context_of(request).services
    user = await current_web_user(request)
    if user is None:
        return login_redirect(_page_path(state))
    team_ids = [v for v in form.getlist("team_id") if isinstance(v, str) and len(v) <= 64]
    try:
        result = await services.write(
            services.signin.complete_signin, state, user, team_ids[:_MAX_TEAMS]
        )
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return _link_error(request, exc, user)
    except InvalidInput as exc:
        try:
            view = await services.read(services.signin.open_signin, state, user)
        except (SignInLinkInvalid, SignInLinkExpired) as link_exc:
            return _link_error(request, link_exc, user)
        return _form(
            request, user, view, state, checked=set(team_ids), error=exc.message, status=400
        )
    return render_page(
        request,
        "msteams_signed_in.html",
        user=user,
        code=result.code,
        team_names=", ".join(t.name for t in result.teams),
    )
