"""`notifications` in the personal chat: a card with a switch per kind and the mutes, whose
buttons (`Action.Execute` with the verb `notifications`, so the router runs this command) change
them; the notification card's "Mute this codemark" button is the same command."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from microsoft_teams.cards import AdaptiveCard, ExecuteAction, TextBlock

from codestream.bot import texts
from codestream.bot.cards import SCHEMA, plain, text_card
from codestream.bot.command_registry import Card, Context, Where, Who, command
from codestream.bot.notification_card import MUTE_CODEMARK, NOTIFICATIONS
from codestream.domain.notifications import NotificationKind, NotificationSettings
from codestream.domain.services.msteams_turns import Turn
from codestream.domain.services.notifications import SettingsChange, mute_until
from codestream.errors import InvalidInput, NotFound
from codestream.teams.cards import VERSION

_SWITCHES = (
    (NotificationKind.ASSIGNED, "assigned", texts.NOTIFY_ASSIGNED),
    (NotificationKind.MENTIONED, "mentioned", texts.NOTIFY_MENTIONED),
    (NotificationKind.REPLY_MINE, "replies", texts.NOTIFY_REPLIES),
    (NotificationKind.REPLY_JOINED, "replies_joined", texts.NOTIFY_REPLIES_JOINED),
)


def _data(ctx: Context) -> dict[str, Any]:
    """The clicked button's data (empty for a typed command)."""
    value = ctx.incoming.activity.value
    action = value.get("action") if isinstance(value, dict) else None
    data = action.get("data") if isinstance(action, dict) else None
    return data if isinstance(data, dict) else {}


def _button(title: str, **data: Any) -> ExecuteAction:
    return ExecuteAction(title=title, verb=NOTIFICATIONS, data=data)


def _card(body: list[TextBlock], actions: list[ExecuteAction]) -> Card:
    card = AdaptiveCard(version=VERSION, body=list(body), actions=list(actions) or None)
    content: dict[str, Any] = {"$schema": SCHEMA}
    content.update(card.model_dump(mode="json", exclude_none=True, by_alias=True))
    return content


def settings_card(settings: NotificationSettings, now: int) -> Card:
    """The person's switches, each with the button that flips it, and the mute buttons."""
    body = [TextBlock(text=texts.NOTIFY_TITLE, weight="Bolder", size="Medium", wrap=True)]
    actions: list[ExecuteAction] = []
    for kind, _field, label in _SWITCHES:
        on = settings.wants(kind)
        body.append(TextBlock(text=f"{label}: **{'on' if on else 'off'}**", wrap=True))
        flip = texts.NOTIFY_TURN_OFF if on else texts.NOTIFY_TURN_ON
        actions.append(_button(f"{flip}: {label}", set=kind.value, on=not on))
    if settings.muted_at(now):
        assert settings.muted_until is not None
        until = datetime.fromtimestamp(settings.muted_until / 1000, UTC)
        body.append(TextBlock(text=texts.NOTIFY_MUTED.format(until=f"{until:%Y-%m-%d %H:%M}")))
        actions.append(_button(texts.NOTIFY_UNMUTE, mute="off"))
    else:
        actions.append(_button(texts.NOTIFY_MUTE_HOUR, mute="1h"))
        actions.append(_button(texts.NOTIFY_MUTE_TOMORROW, mute="tomorrow"))
    if settings.unreachable_since is not None:
        body.append(TextBlock(text=texts.NOTIFY_WAS_UNREACHABLE, wrap=True, is_subtle=True))
    return _card(body, actions)


@command("notifications", aliases=("notify",), where=Where.PERSONAL, who=Who.SIGNED_IN)
async def _notifications(ctx: Context, turn: Turn) -> Card:
    service, user = ctx.services.notifications, ctx.user
    if service is None or user is None:
        return text_card(texts.NOTIFY_UNAVAILABLE)
    data = _data(ctx)
    codemark_id = data.get(MUTE_CODEMARK)
    if isinstance(codemark_id, str):
        muted = data.get("muted", True) is not False
        try:
            codemark = await service.mute_codemark(
                turn.uow, user, codemark_id, turn.now, muted=muted
            )
        except NotFound:
            return text_card(texts.NOTIFY_NO_CODEMARK)
        title = plain(codemark.title or codemark.text, 80)
        if not muted:
            return text_card(texts.NOTIFY_UNMUTED_CODEMARK.format(title=title))
        return text_card(
            texts.NOTIFY_MUTED_CODEMARK.format(title=title),
            _button(texts.NOTIFY_UNMUTE, **{MUTE_CODEMARK: codemark.id, "muted": False}),
        )
    kind, on, mute = data.get("set"), data.get("on"), data.get("mute")
    fields = {k.value: name for k, name, _label in _SWITCHES}
    change: dict[str, Any] = {}
    if isinstance(kind, str) and kind in fields and isinstance(on, bool):
        change[fields[kind]] = on
    if isinstance(mute, str):
        try:
            change["mute_until"] = mute_until(mute, turn.now)
        except InvalidInput as exc:
            return text_card(exc.message)
    if change:
        settings = await service.change_settings(turn.uow, user, SettingsChange(**change), turn.now)
    else:
        settings = await service.get_settings(turn.uow, user)
    return settings_card(settings, turn.now)
