"""The notifications page: which personal notifications in Teams you get, a mute, and the
codemarks you muted. Every POST is CSRF-checked first (`account.checked_form`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from codestream.domain.models import User
from codestream.domain.services.notifications import (
    Notifications,
    SettingsChange,
    mute_until,
)
from codestream.errors import CodeStreamError
from codestream.web.pages.account import checked_form
from codestream.web.pages.render import error_page, render_page
from codestream.web.pages.routes import form_field
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

PAGE = "/web/notifications"
SWITCHES = (
    ("assigned", "A codemark is assigned to you"),
    ("mentioned", "You are @mentioned in a codemark or a reply"),
    ("replies", "Someone replies on a codemark you created"),
    ("replies_joined", "Someone replies on a codemark you replied to"),
)


def _service(request: Request) -> Notifications | None:
    return context_of(request).services.notifications


async def _page(
    request: Request,
    user: User,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    service = _service(request)
    if service is None:
        return error_page(request, 503, "Notifications", "Notifications are not set up here.")
    services = context_of(request).services
    settings = await services.read(service.get_settings, user)
    muted = await services.read(service.muted_codemarks, user)
    return render_page(
        request,
        "notifications.html",
        status=status,
        user=user,
        settings=settings,
        switches=SWITCHES,
        muted_now=settings.muted_at(services.clock()),
        muted_codemarks=muted,
        notice=notice,
        error=error,
        link=None,
        link_for="",
    )


@router.get(PAGE)
async def notifications(request: Request) -> Response:
    """Your notification settings."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect(PAGE)
    return await _page(request, user)


@router.post(f"{PAGE}/switches")
async def save_switches(request: Request) -> Response:
    """Save the switches (a checkbox left unticked is off)."""
    checked = await checked_form(request, PAGE)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    service = _service(request)
    if service is None:
        return await _page(request, user)
    on = {name: form_field(form, name) == "on" for name, _label in SWITCHES}
    services = context_of(request).services
    await services.write(service.change_settings, user, SettingsChange(**on), services.clock())
    return await _page(request, user, notice="Saved.")


@router.post(f"{PAGE}/mute")
async def mute(request: Request) -> Response:
    """Mute for an hour, until tomorrow, or unmute."""
    checked = await checked_form(request, PAGE)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    service = _service(request)
    if service is None:
        return await _page(request, user)
    services = context_of(request).services
    now = services.clock()
    try:
        until = mute_until(form_field(form, "until", 20), now)
    except CodeStreamError as exc:
        return await _page(request, user, status=exc.http_status, error=exc.message)
    await services.write(service.change_settings, user, SettingsChange(mute_until=until), now)
    return await _page(request, user, notice="Unmuted." if until == 0 else "Muted.")


@router.post(f"{PAGE}/unmute-codemark")
async def unmute_codemark(request: Request) -> Response:
    """Hear about a muted codemark again."""
    checked = await checked_form(request, PAGE)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    service = _service(request)
    if service is None:
        return await _page(request, user)
    services = context_of(request).services
    try:
        await services.write(
            service.mute_codemark,
            user,
            form_field(form, "codemark_id", 64),
            services.clock(),
            muted=False,
        )
    except CodeStreamError as exc:
        return await _page(request, user, status=exc.http_status, error=exc.message)
    return await _page(request, user, notice="You'll hear about that codemark again.")
