"""`/web/msteams/signin`: where the bot's Sign in button leads (in Teams' authentication window).

GET checks the signed `state` (400 if altered or not ours, 410 if expired or used), sends a visitor
without a web session to the sign-in page and back, then names the Teams account (email) and
organization asking to be linked, says what linking allows, and lists the user's CodeStream teams,
none picked (a first link of the organization needs the team's admin). POST (CSRF-checked)
records the pick, uses up the link and shows a one-time code; it links nothing. Inside Teams the
page hands the code back through TeamsJS (`notifySuccess`), and the bot links the Teams user who
asked when it arrives; anywhere else the code stays on screen, to be pasted into the personal chat
by that Teams user only. A refused request changes nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from codestream.config.settings import DEFAULT_TEAMS_JS_INTEGRITY, DEFAULT_TEAMS_JS_URL
from codestream.domain.models import User
from codestream.domain.services import Services
from codestream.domain.services.msteams_signin import LINK_USED, PendingSignIn, SignInView
from codestream.domain.services.msteams_signin_tokens import (
    MAX_STATE_LENGTH,
    SignInLinkExpired,
    SignInLinkInvalid,
)
from codestream.errors import CodeStreamError, InvalidInput
from codestream.web.pages.csrf import CSRF_FIELD, check_csrf
from codestream.web.pages.render import (
    csrf_failure_page,
    error_page,
    headers_running_scripts,
    render_page,
)
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

PATH = "/web/msteams/signin"
_MAX_TEAMS = 200


def _page_path(state: str) -> str:
    return f"{PATH}?state={quote(state, safe='')}"


def link_error(request: Request, exc: CodeStreamError, user: User | None) -> HTMLResponse:
    """The page for a sign-in link that can't be used, saying why."""
    if exc.message == LINK_USED:
        title = "This link was used already"
    elif isinstance(exc, SignInLinkExpired):
        title = "This link has expired"
    else:
        title = "Invalid link"
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
    return render_page(
        request,
        "msteams_signin.html",
        status=status,
        user=user,
        view=view,
        state=state,
        checked=checked or set(),
        error=error,
    )


def _code_page(request: Request, pending: PendingSignIn) -> HTMLResponse:
    """The one-time code, the warning, and the scripts that hand the code back to Teams."""
    msteams = context_of(request).config.msteams
    script_url = msteams.teams_js_url if msteams is not None else DEFAULT_TEAMS_JS_URL
    parts = urlsplit(script_url)
    return render_page(
        request,
        "msteams_signin_code.html",
        user=pending.user,
        headers=headers_running_scripts(f"{parts.scheme}://{parts.netloc}"),
        pending=pending,
        team_names=", ".join(t.name for t in pending.teams),
        teams_js_url=script_url,
        teams_js_integrity=(
            DEFAULT_TEAMS_JS_INTEGRITY if script_url == DEFAULT_TEAMS_JS_URL else None
        ),
    )


def is_signin_path(path: str) -> bool:
    """Whether a path on this site (as `next` holds it) is this page."""
    return urlsplit(path).path == PATH


def state_of(path: str) -> str:
    """The `state` of a path to this page ('' if none)."""
    values = parse_qs(urlsplit(path).query).get("state") or [""]
    return values[0]


async def link_problem(services: Services, state: str) -> CodeStreamError | None:
    """Why the link can't be used (bad signature, too old, used already), checked before anyone
    is asked for a password; None when it can."""
    try:
        await services.read(services.signin.check_link_unused, state[: MAX_STATE_LENGTH + 1])
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return exc
    return None


@router.get(PATH)
async def signin_page(request: Request, state: str = "") -> Response:
    """Show which Teams account asks to be linked, what linking allows, and the team picker."""
    services = context_of(request).services
    user = await current_web_user(request)
    problem = await link_problem(services, state)
    if problem is not None:
        return link_error(request, problem, user)
    if user is None:
        return login_redirect(_page_path(state))
    try:
        view = await services.read(services.signin.open_signin, state, user)
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return link_error(request, exc, user)
    return _form(request, user, view, state)


@router.post(PATH)
async def signin_submit(request: Request) -> Response:
    """Record the picked teams and show the one-time code; nothing is linked here."""
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
        pending = await services.write(
            services.signin.record_choice, state, user, team_ids[:_MAX_TEAMS]
        )
    except (SignInLinkInvalid, SignInLinkExpired) as exc:
        return link_error(request, exc, user)
    except InvalidInput as exc:
        try:
            view = await services.read(services.signin.open_signin, state, user)
        except (SignInLinkInvalid, SignInLinkExpired) as link_exc:
            return link_error(request, link_exc, user)
        return _form(
            request, user, view, state, checked=set(team_ids), error=exc.message, status=400
        )
    return _code_page(request, pending)
