"""Activities shaped like the ones Teams POSTs to bots (see the protocol notes, §4).

Each builder returns plain JSON: the frame every Teams activity has (ids, timestamps, serviceUrl,
`from`, `recipient`, `conversation`, `channelData.tenant`, client info), plus its own fields.
"""

from __future__ import annotations

from html import escape
from typing import Any

from teams_emulator import ids
from teams_emulator.clock import iso_local, iso_utc
from teams_emulator.entities import BotApp, Channel, Conversation, Team, User


def client_info(user: User) -> dict[str, Any]:
    """The `clientInfo` entity Teams adds to user activities."""
    return {
        "type": "clientInfo",
        "locale": user.locale,
        "country": user.locale.rpartition("-")[2] or "US",
        "platform": "Web",
        "timezone": user.timezone,
    }


def frame(
    kind: str,
    *,
    bot: BotApp,
    user: User,
    conversation: dict[str, Any],
    channel_data: dict[str, Any],
    service_url: str,
    now: float,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """The fields every activity from Teams carries."""
    return {
        "type": kind,
        "id": activity_id or ids.event_activity_id(),
        "timestamp": iso_utc(now),
        "localTimestamp": iso_local(now, user.utc_offset_minutes),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": user.account(),
        "recipient": bot.account(),
        "conversation": conversation,
        "entities": [client_info(user)],
        "channelData": channel_data,
        "locale": user.locale,
        "localTimezone": user.timezone,
    }


def channel_conversation(
    team: Team, conversation_id: str, name: str | None = None
) -> dict[str, Any]:
    """`conversation` for anything happening in a team's channel."""
    value: dict[str, Any] = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": team.tenant_id,
        "id": conversation_id,
    }
    if name is not None:
        value["name"] = name
    return value


def personal_conversation(conversation: Conversation) -> dict[str, Any]:
    """`conversation` for the personal chat."""
    return {
        "conversationType": "personal",
        "tenantId": conversation.tenant_id,
        "id": conversation.id,
    }


def channel_data(
    team: Team, channel: Channel | None = None, *, full_team: bool = False
) -> dict[str, Any]:
    """`channelData` for a team event or a channel message."""
    team_info: dict[str, Any] = {"id": team.id}
    if full_team:
        team_info.update(name=team.name, aadGroupId=team.aad_group_id)
    data: dict[str, Any] = {"team": team_info, "tenant": {"id": team.tenant_id}}
    if channel is not None:
        data = {
            "teamsChannelId": channel.id,
            "teamsTeamId": team.id,
            "channel": {"id": channel.id},
            **data,
        }
    return data


def mention(bot: BotApp) -> tuple[str, dict[str, Any]]:
    """The `<at>` text and the mention entity for the bot."""
    tag = f"<at>{bot.name}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": {"id": bot.mri, "name": bot.name}}


def html_attachment(text: str, bot: BotApp | None) -> dict[str, Any]:
    """The `text/html` attachment Teams adds beside the plain text of a user message."""
    body = escape(text)
    if bot is not None:
        tag = escape(f"<at>{bot.name}</at>")
        span = (
            '<span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">'
            f"{escape(bot.name)}</span>"
        )
        body = body.replace(tag, span)
    return {"contentType": "text/html", "content": f"<p>{body}</p>"}


def message_fields(text: str, bot_mentioned: BotApp | None) -> dict[str, Any]:
    """`text`, `textFormat`, `attachments` and `entities` of a message a user typed."""
    entities = [] if bot_mentioned is None else [mention(bot_mentioned)[1]]
    return {
        "text": text,
        "textFormat": "plain",
        "attachments": [html_attachment(text, bot_mentioned)],
        "entities": entities,
    }
