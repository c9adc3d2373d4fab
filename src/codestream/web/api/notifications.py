"""Your personal notifications in Teams: the switches, a mute, and muted codemarks."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Response, status
from pydantic import Field

from codestream.domain.notifications import NotificationSettings
from codestream.domain.services.notifications import (
    Notifications,
    SettingsChange,
    mute_until,
)
from codestream.errors import ServiceUnavailable
from codestream.web.api.docs import BODY_ERRORS, error_responses, summarize
from codestream.web.api.schemas import Model
from codestream.web.deps import Context, CurrentUser, json_body

router = APIRouter(tags=["notifications"], dependencies=[Depends(json_body)])


class NotificationSettingsOut(Model):
    assigned: bool = Field(description="A codemark is assigned to you")
    mentioned: bool = Field(description="You are @mentioned in a codemark or a reply")
    replies: bool = Field(description="A reply on a codemark you created")
    replies_joined: bool = Field(description="A reply on a codemark you replied to")
    muted_until: int | None = Field(description="No notifications before this time (ms)")
    unreachable_since: int | None = Field(
        description="Teams refused a notification (you left, or removed the app); cleared "
        "when you next talk to the bot"
    )
    muted_codemarks: list[str] = Field(description="Codemarks you muted")

    @classmethod
    def of_settings(
        cls, settings: NotificationSettings, muted: list[str]
    ) -> NotificationSettingsOut:
        """Settings as the API shows them."""
        return cls.of(settings, muted_codemarks=muted)


class NotificationSettingsIn(Model):
    assigned: bool | None = None
    mentioned: bool | None = None
    replies: bool | None = None
    replies_joined: bool | None = None
    mute: Literal["1h", "tomorrow", "off"] | None = Field(
        default=None, description="Mute for an hour, until tomorrow 08:00 UTC, or unmute"
    )


def _service(ctx: Context) -> Notifications:
    found = ctx.services.notifications
    if found is None:
        raise ServiceUnavailable("notifications are not set up on this server")
    return found


async def _out(ctx: Context, user: CurrentUser) -> NotificationSettingsOut:
    service = _service(ctx)
    settings = await ctx.services.read(service.get_settings, user)
    muted = await ctx.services.read(service.muted_codemarks, user)
    return NotificationSettingsOut.of_settings(settings, muted)


@router.get(
    "/me/notifications", response_model=NotificationSettingsOut, responses=error_responses(401, 503)
)
async def my_notifications(user: CurrentUser, ctx: Context) -> NotificationSettingsOut:
    """What you hear about in your personal chat with the bot."""
    return await _out(ctx, user)


@router.patch(
    "/me/notifications",
    response_model=NotificationSettingsOut,
    responses=error_responses(*BODY_ERRORS, 401, 503),
)
async def change_notifications(
    body: NotificationSettingsIn, user: CurrentUser, ctx: Context
) -> NotificationSettingsOut:
    """Turn kinds on or off, mute or unmute; fields left out stay as they are."""
    now = ctx.services.clock()
    change = SettingsChange(
        assigned=body.assigned,
        mentioned=body.mentioned,
        replies=body.replies,
        replies_joined=body.replies_joined,
        mute_until=mute_until(body.mute, now) if body.mute is not None else None,
    )
    await ctx.services.write(_service(ctx).change_settings, user, change, now)
    return await _out(ctx, user)


@router.put(
    "/me/notifications/muted-codemarks/{codemark_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 422, 503),
)
async def mute_codemark(codemark_id: str, user: CurrentUser, ctx: Context) -> Response:
    """No more notifications about this codemark."""
    await ctx.services.write(_service(ctx).mute_codemark, user, codemark_id, ctx.services.clock())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/me/notifications/muted-codemarks/{codemark_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 422, 503),
)
async def unmute_codemark(codemark_id: str, user: CurrentUser, ctx: Context) -> Response:
    """Notifications about this codemark again."""
    await ctx.services.write(
        _service(ctx).mute_codemark, user, codemark_id, ctx.services.clock(), muted=False
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


summarize(router)
