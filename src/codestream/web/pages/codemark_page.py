"""The codemark permalink page `/c/<id>` and what a member does there: reply, resolve or reopen,
assign and unassign.

Every POST is CSRF-checked first and needs the web session; each change goes through the
codemark use cases (`add_reply` with origin web, `change_codemark`), which carry it to the
codemark's cards in Teams. A change that worked redirects back to the page (POST-redirect-GET)
with a notice named in the query (`?done=resolved`); bad input re-renders the page with what was
wrong (4xx) and changes nothing; a codemark the user may not see is a 404 page, as on GET.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from codestream.domain import rules
from codestream.domain.models import CodemarkStatus, Origin, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.services import Services
from codestream.domain.services.codemarks import CodemarkChanges
from codestream.errors import CodeStreamError, InvalidInput, NotFound
from codestream.web.pages.account import checked_form
from codestream.web.pages.permalink import PermalinkView, load_permalink
from codestream.web.pages.render import error_page, render_page
from codestream.web.pages.routes import form_field
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

REPLY_LIMIT = rules.MAX_TEXT
EMPTY_REPLY = "Write something before posting a reply."

# What `?done=` says after a change; `{who}` is "you" or the member's name.
NOTICES = {
    "replied": "Your reply was posted.",
    "resolved": "You resolved it.",
    "reopened": "You reopened it.",
    "already-resolved": "It was already resolved; nothing changed.",
    "already-open": "It was already open; nothing changed.",
    "assigned": "Assigned to {who}.",
    "already-assigned": "It was already assigned to {who}; nothing changed.",
    "unassigned": "No longer assigned to {who}.",
    "not-assigned": "It wasn't assigned to {who}; nothing changed.",
}
_TEAMS_TOO = " It goes to the codemark's cards in Microsoft Teams too."

Outcome = dict[str, str]
"""What a change did, as the query of the page it redirects to (`done`, and `who`)."""
Change = Callable[[Services, User, str, FormData], Awaitable[Outcome]]


def notice_of(view: PermalinkView, done: str, who: str) -> str | None:
    """The notice for `?done=...&who=...`; None for anything we didn't send."""
    template = NOTICES.get(done)
    if template is None:
        return None
    name = "you" if who == view.viewer_id else view.member_name(who) or "that person"
    notice = template.format(who=name)
    if done == "replied" and view.shared_to:
        notice += _TEAMS_TOO
    return notice


async def permalink_page(
    request: Request,
    user: User,
    codemark_id: str,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    reply_error: str | None = None,
    draft: str = "",
) -> Response:
    """The page for a member of the codemark's team; a 404 page for anyone else or a deleted one.

    `error` shows at the top; `reply_error` by the reply box, which `draft` refills."""
    try:
        view = await load_permalink(context_of(request).services, user, codemark_id)
    except NotFound:
        return _not_found(request, user)
    if notice is None and status == 200:
        notice = notice_of(
            view, request.query_params.get("done", ""), request.query_params.get("who", "")
        )
    context: dict[str, Any] = {
        "view": view,
        "codemark": view.codemark,
        "draft": draft,
        "reply_error": reply_error,
        "reply_limit": REPLY_LIMIT,
    }
    return render_page(
        request,
        "permalink.html",
        status=status,
        user=user,
        notice=notice,
        error=error,
        link=None,
        link_for="",
        **context,
    )


def _not_found(request: Request, user: User) -> Response:
    return error_page(
        request,
        404,
        "Codemark not found",
        "There is no codemark here, or it belongs to a team you are not a member of.",
        user=user,
    )


@router.get("/c/{codemark_id}")
async def permalink(request: Request, codemark_id: str) -> Response:
    """A codemark, for a signed-in member of its team; 404 for anyone else or a deleted one."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect(f"/c/{codemark_id}")
    return await permalink_page(request, user, codemark_id)


async def _submit(request: Request, codemark_id: str, change: Change) -> Response:
    back = f"/c/{codemark_id}"
    checked = await checked_form(request, back)
    if isinstance(checked, Response):
        return checked
    user, form = checked
    try:
        outcome = await change(context_of(request).services, user, codemark_id, form)
    except NotFound:
        return _not_found(request, user)
    except CodeStreamError as exc:
        if change is not _reply:
            return await permalink_page(
                request, user, codemark_id, status=exc.http_status, error=exc.message
            )
        draft = form.get("text")
        return await permalink_page(
            request,
            user,
            codemark_id,
            status=exc.http_status,
            reply_error=exc.message,
            draft=draft if isinstance(draft, str) else "",
        )
    return RedirectResponse(f"{back}?{urlencode(outcome)}", status_code=303)


async def _reply(services: Services, user: User, codemark_id: str, form: FormData) -> Outcome:
    text = form.get("text")
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidInput(EMPTY_REPLY, field="text")
    if len(text) > REPLY_LIMIT:
        raise InvalidInput(
            f"A reply can be at most {REPLY_LIMIT:,} characters; this one has {len(text):,}. "
            "Shorten it and post it again.",
            field="text",
        )
    await services.write(services.codemarks.add_reply, user, codemark_id, text, Origin.WEB)
    return {"done": "replied"}


def _status_change(status: CodemarkStatus) -> Change:
    async def change(services: Services, user: User, codemark_id: str, _form: FormData) -> Outcome:
        return await services.write(_set_status, services, user, codemark_id, status)

    return change


async def _set_status(
    uow: UnitOfWork, services: Services, actor: User, codemark_id: str, status: CodemarkStatus
) -> Outcome:
    codemark = await services.codemarks.get_codemark(uow, actor, codemark_id)
    if codemark.status == status:
        return {"done": "already-resolved" if status == CodemarkStatus.CLOSED else "already-open"}
    await services.codemarks.change_codemark(
        uow, actor, codemark_id, CodemarkChanges(status=status)
    )
    return {"done": "resolved" if status == CodemarkStatus.CLOSED else "reopened"}


def _assignment(assign: bool) -> Change:
    async def change(services: Services, user: User, codemark_id: str, form: FormData) -> Outcome:
        member_id = form_field(form, "user_id", 64)
        return await services.write(_assign, services, user, codemark_id, member_id, assign)

    return change


async def _assign(
    uow: UnitOfWork,
    services: Services,
    actor: User,
    codemark_id: str,
    member_id: str,
    assign: bool,
) -> Outcome:
    """Add `member_id` to the assignees (or take them off), saying what happened."""
    _, changed = await services.codemarks.set_assigned(
        uow, actor, codemark_id, member_id, assigned=assign
    )
    if changed:
        return {"done": "assigned" if assign else "unassigned", "who": member_id}
    return {"done": "already-assigned" if assign else "not-assigned", "who": member_id}


_CHANGES: dict[str, Change] = {
    "replies": _reply,
    "resolve": _status_change(CodemarkStatus.CLOSED),
    "reopen": _status_change(CodemarkStatus.OPEN),
    "assign": _assignment(assign=True),
    "unassign": _assignment(assign=False),
}


def _route(path: str, change: Change) -> None:
    async def submit(request: Request, codemark_id: str) -> Response:
        return await _submit(request, codemark_id, change)

    submit.__doc__ = f"POST /c/<id>/{path}: CSRF-checked, members of the codemark's team only."
    router.add_api_route(f"/c/{{codemark_id}}/{path}", submit, methods=["POST"])


for _path, _handler in _CHANGES.items():
    _route(_path, _handler)
