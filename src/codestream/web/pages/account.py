"""The account page: change your password, see and sign out your Teams sign-ins, sign out
everywhere; and the set-password page a one-time link opens.

Every POST is CSRF-checked first; a refused change re-renders the page with what was wrong and
changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from codestream.domain.models import User
from codestream.domain.services import msteams_link_review as review
from codestream.errors import CodeStreamError
from codestream.web.login_limits import guarded_password_check
from codestream.web.pages.csrf import CSRF_FIELD, check_csrf
from codestream.web.pages.render import csrf_failure_page, error_page, render_page
from codestream.web.pages.routes import form_field
from codestream.web.pages.session import (
    context_of,
    current_web_user,
    end_session,
    login_redirect,
    session_token,
)

router = APIRouter(include_in_schema=False)

_PASSWORD_LIMIT = 1024
MISMATCH = "The two new passwords differ. Type the same one twice."


async def account_page(
    request: Request,
    user: User,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    """The account page for the signed-in user, with a notice or an error."""
    services = context_of(request).services
    sign_ins = await services.read(review.my_sign_ins, user)
    teams = await services.read(services.teams.list_teams, user)
    return render_page(
        request,
        "account.html",
        status=status,
        user=user,
        sign_ins=sign_ins,
        teams=teams,
        notice=notice,
        error=error,
        link=None,
        link_for="",
    )


async def checked_form(request: Request, back: str) -> tuple[User, FormData] | Response:
    """The signed-in user and the form of a CSRF-checked POST; else the answer to give (the
    CSRF failure page, or the sign-in page coming back to `back`)."""
    form = await request.form()
    if not check_csrf(request, form_field(form, CSRF_FIELD)):
        return csrf_failure_page(request)
    user = await current_web_user(request)
    if user is None:
        return login_redirect(back)
    return user, form


@router.get("/web/account")
async def account(request: Request) -> Response:
    """Your account."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect("/web/account")
    return await account_page(request, user)


@router.post("/web/account/password")
async def change_password(request: Request) -> Response:
    """Change the password; this session stays, every other sign-in ends."""
    checked = await checked_form(request, "/web/account")
    if isinstance(checked, Response):
        return checked
    user, form = checked
    new = form_field(form, "new_password", _PASSWORD_LIMIT)
    if new != form_field(form, "confirm_password", _PASSWORD_LIMIT):
        return await account_page(request, user, status=422, error=MISMATCH)
    services = context_of(request).services
    try:
        ended = await guarded_password_check(
            request,
            user.email,
            lambda: services.change_password(
                user,
                current=form_field(form, "current_password", _PASSWORD_LIMIT),
                new=new,
                keep_token=session_token(request),
            ),
        )
    except CodeStreamError as exc:
        return await account_page(request, user, status=exc.http_status, error=exc.message)
    return await account_page(
        request, user, notice=f"Your password was changed. {ended.describe()}"
    )


@router.post("/web/account/msteams-links/revoke")
async def revoke_sign_in(request: Request) -> Response:
    """Sign one Teams user out of your account."""
    checked = await checked_form(request, "/web/account")
    if isinstance(checked, Response):
        return checked
    user, form = checked
    services = context_of(request).services
    try:
        gone = await services.write(review.revoke_my_sign_in, user, form_field(form, "link_id"))
    except CodeStreamError as exc:
        return await account_page(request, user, status=exc.http_status, error=exc.message)
    name = gone.teams_user_name or gone.teams_user_id
    return await account_page(request, user, notice=f"Teams user {name} was signed out.")


@router.post("/web/account/sign-out-everywhere")
async def sign_out_everywhere(request: Request) -> Response:
    """Revoke every session and token (this one too) and every Teams sign-in."""
    checked = await checked_form(request, "/web/account")
    if isinstance(checked, Response):
        return checked
    user, _form = checked
    services = context_of(request).services
    await services.write(services.lifecycle.sign_out_everywhere, user)
    response = RedirectResponse("/web/login", status_code=303)
    await end_session(request, response)
    return response


@router.get("/web/set-password")
async def set_password_form(request: Request, token: str = "") -> Response:
    """The form a set-password link opens; an error page if the link can't be used."""
    services = context_of(request).services
    try:
        account = await services.read(services.lifecycle.user_of_password_link, token)
    except CodeStreamError as exc:
        return _link_error(request, exc)
    return render_page(request, "set_password.html", account=account, token=token, error=None)


@router.post("/web/set-password")
async def set_password(request: Request) -> Response:
    """Set the password; every session, token and Teams sign-in of the account ends."""
    form = await request.form()
    if not check_csrf(request, form_field(form, CSRF_FIELD)):
        return csrf_failure_page(request)
    services = context_of(request).services
    token = form_field(form, "token", 1000)
    new = form_field(form, "new_password", _PASSWORD_LIMIT)
    try:
        account = await services.read(services.lifecycle.user_of_password_link, token)
    except CodeStreamError as exc:
        return _link_error(request, exc)
    error = MISMATCH if new != form_field(form, "confirm_password", _PASSWORD_LIMIT) else None
    if error is None:
        try:
            await services.set_password_with_link(token, new)
        except CodeStreamError as exc:
            error = exc.message
    if error is not None:
        return render_page(
            request, "set_password.html", status=422, account=account, token=token, error=error
        )
    response = RedirectResponse("/web/login?next=/web/", status_code=303)
    await end_session(request, response)
    return response


def _link_error(request: Request, exc: CodeStreamError) -> Response:
    return error_page(request, exc.http_status, "This link can't be used", exc.message)
