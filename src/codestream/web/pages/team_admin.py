"""A team's page: its members for everyone in it; for its admins, adding a person by email,
resetting a member's password, removing a member, and the team's Teams sign-ins and linked
organizations to revoke.

Every POST is CSRF-checked first; a refused change re-renders the page with what was wrong (its
HTTP status: 403 for a non-admin) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from codestream.domain.models import User
from codestream.domain.services import Services
from codestream.domain.services import msteams_link_review as review
from codestream.domain.services.account_lifecycle import PasswordLink
from codestream.errors import CodeStreamError, NotFound, PermissionDenied
from codestream.web.pages.account import checked_form
from codestream.web.pages.render import error_page, render_page
from codestream.web.pages.routes import form_field
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

Outcome = tuple[str, PasswordLink | None, str]
"""What a change did: the notice, and a set-password link to show once with whom it is for."""
Change = Callable[[Services, User, str, FormData], Awaitable[Outcome]]


async def team_page(
    request: Request,
    user: User,
    team_id: str,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    link: PasswordLink | None = None,
    link_for: str = "",
) -> Response:
    """The team's page for a member; a 404 page for anyone else."""
    services = context_of(request).services
    try:
        team = await services.read(services.teams.get_team, user, team_id)
        members = await services.read(services.teams.list_members, user, team_id)
    except (NotFound, PermissionDenied):
        return error_page(
            request,
            404,
            "Team not found",
            "There is no such team, or you are not in it.",
            user=user,
        )
    is_admin = any(m.is_admin and m.user_id == user.id for m, _ in members)
    links = await services.read(review.team_links, user, team_id) if is_admin else None
    context: dict[str, Any] = {"team": team, "members": members, "links": links}
    return render_page(
        request,
        "team.html",
        status=status,
        user=user,
        is_admin=is_admin,
        notice=notice,
        error=error,
        link=link,
        link_for=link_for,
        **context,
    )


@router.get("/web/teams/{team_id}")
async def team(request: Request, team_id: str) -> Response:
    """A team's members, and for admins what they manage."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect(f"/web/teams/{team_id}")
    return await team_page(request, user, team_id)


async def _change(request: Request, team_id: str, change: Change) -> Response:
    checked = await checked_form(request, f"/web/teams/{team_id}")
    if isinstance(checked, Response):
        return checked
    user, form = checked
    try:
        notice, link, link_for = await change(context_of(request).services, user, team_id, form)
    except CodeStreamError as exc:
        return await team_page(request, user, team_id, status=exc.http_status, error=exc.message)
    return await team_page(request, user, team_id, notice=notice, link=link, link_for=link_for)


async def _add(services: Services, user: User, team_id: str, form: FormData) -> Outcome:
    new = services.accounts.new_invited_account(
        email=form_field(form, "email", 320), full_name=form_field(form, "full_name", 200)
    )
    invited = await services.write(
        services.lifecycle.invite, user, team_id, new, admin=form_field(form, "admin") == "1"
    )
    if invited.link is None:
        return f"{invited.user.email} (an existing account) was added to the team.", None, ""
    notice = f"An account for {invited.user.email} was created and added to the team."
    return notice, invited.link, invited.user.email


async def _reset(services: Services, user: User, team_id: str, form: FormData) -> Outcome:
    target, link, ended = await services.write(
        services.lifecycle.reset_password, user, team_id, form_field(form, "user_id", 64)
    )
    return f"The password of {target.email} was reset. {ended.describe()}", link, target.email


async def _remove(services: Services, user: User, team_id: str, form: FormData) -> Outcome:
    gone = await services.write(
        services.lifecycle.remove_member, user, team_id, form_field(form, "user_id", 64)
    )
    return f"{gone.email} was removed from the team.", None, ""


async def _revoke_sign_in(services: Services, user: User, team_id: str, form: FormData) -> Outcome:
    gone = await services.write(
        review.revoke_team_sign_in, user, team_id, form_field(form, "link_id", 64)
    )
    name = gone.teams_user_name or gone.teams_user_id
    return f"Teams user {name} was signed out of {gone.user.email}.", None, ""


async def _revoke_tenant(services: Services, user: User, team_id: str, form: FormData) -> Outcome:
    tenant_id = form_field(form, "tenant_id", 64)
    await services.write(review.revoke_team_tenant, user, team_id, tenant_id, services.clock())
    return f"Organization {tenant_id} was unlinked; its channels were disconnected.", None, ""


_CHANGES: dict[str, Change] = {
    "members/add": _add,
    "members/reset-password": _reset,
    "members/remove": _remove,
    "msteams-links/revoke": _revoke_sign_in,
    "msteams-tenants/revoke": _revoke_tenant,
}


def _route(path: str, change: Change) -> None:
    async def submit(request: Request, team_id: str) -> Response:
        return await _change(request, team_id, change)

    submit.__doc__ = f"POST {path}: CSRF-checked, admins only."
    router.add_api_route(f"/web/teams/{{team_id}}/{path}", submit, methods=["POST"])


for _path, _handler in _CHANGES.items():
    _route(_path, _handler)
