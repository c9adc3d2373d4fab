"""`/web/teams/{id}/msteams`: the Teams health page of a team, for its admins.

Each connected channel with its last successful delivery, its newest error and the messages
still waiting; whether the bot can get a token (the token endpoint answers and accepts our
credentials) and when its secret expires, if the server's admin recorded it
(`botAppPasswordExpiresAt`); the Microsoft organizations linked to the team.
"""

from __future__ import annotations

import datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from codestream.config.checks import parse_expiry
from codestream.domain.services.msteams_health import teams_setup
from codestream.errors import NotFound, PermissionDenied
from codestream.web.pages.render import error_page, render_page
from codestream.web.pages.session import context_of, current_web_user, login_redirect

router = APIRouter(include_in_schema=False)

EXPIRY_WARN_DAYS = 30


def _secret_expiry(request: Request) -> dict[str, Any]:
    """What the page says about the client secret's expiry date."""
    config = context_of(request).config
    block = config.msteams
    raw = None
    if block is not None:
        blocks: Any = config.document.get("integrations", {}).get("msteams", {})
        raw = blocks.get(block.block_name, {}).get("botAppPasswordExpiresAt")
    expires = parse_expiry(raw) if isinstance(raw, str) else None
    if expires is None:
        return {"known": False}
    days = (expires - datetime.datetime.now(datetime.UTC).date()).days
    state = "expired" if days < 0 else "soon" if days < EXPIRY_WARN_DAYS else "ok"
    return {"known": True, "date": expires.isoformat(), "days": days, "state": state}


@router.get("/web/teams/{team_id}/msteams")
async def msteams_health(request: Request, team_id: str) -> Response:
    """The team's Teams health, for its admins; 404 for anyone else."""
    user = await current_web_user(request)
    if user is None:
        return login_redirect(f"/web/teams/{team_id}/msteams")
    ctx = context_of(request)
    services = ctx.services
    try:
        setup = await services.read(teams_setup, user, team_id)
    except (NotFound, PermissionDenied):
        return error_page(
            request,
            404,
            "Team not found",
            "There is no such team, or you are not one of its admins.",
            user=user,
        )
    sources = ctx.teams_health
    deliveries: dict[str, Any] = {}
    token_problem: str | None = None
    bot_configured = sources is not None and sources.token_problem is not None
    if sources is not None:
        deliveries = await sources.channel_deliveries([c.conversation_id for c in setup.channels])
        if sources.token_problem is not None:
            token_problem = await sources.token_problem()
    return render_page(
        request,
        "msteams_health.html",
        user=user,
        team=setup.team,
        channels=[(c, deliveries.get(c.conversation_id)) for c in setup.channels],
        tenants=setup.tenants,
        bot_configured=bot_configured,
        token_problem=token_problem,
        expiry=_secret_expiry(request),
    )
