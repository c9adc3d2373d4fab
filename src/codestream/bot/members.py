"""Who a Teams user is, as Teams' member lookup says: display name, email, sign-in name.

The sign-in page names the Teams account being linked by its email and organization, which the
activity doesn't carry; the Connector's `GET /v3/conversations/{chat}/members/{user}` does. The
lookup runs before the turn, bounded in time; when Teams doesn't answer, the page says so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from codestream.bot.incoming import Incoming, clean_text
from codestream.domain.msteams import TeamsProfile
from codestream.teams.connector import ConnectorClient, ConnectorError

log = logging.getLogger("codestream.bot")

LOOKUP_TIMEOUT = 3.0
"""Seconds we wait for Teams to describe the user."""
MAX_ADDRESS = 320


def _address(value: Any) -> str:
    """An email or sign-in name we can show: one printable token with one `@`, bounded."""
    text = clean_text(value, MAX_ADDRESS)
    if " " in text or text.count("@") != 1:
        return ""
    return text


def profile_of(member: Any) -> TeamsProfile:
    """A TeamsChannelAccount read defensively."""
    data = member if isinstance(member, dict) else {}
    return TeamsProfile(
        name=clean_text(data.get("name")),
        email=_address(data.get("email")),
        user_principal_name=_address(data.get("userPrincipalName")),
    )


async def describe_sender(incoming: Incoming, connector: ConnectorClient | None) -> TeamsProfile:
    """The sender of an activity as Teams describes them; their display name from the activity
    alone when there is no connector or Teams doesn't answer in time."""
    fallback = TeamsProfile(name=incoming.user_name)
    if connector is None or incoming.user_id is None:
        return fallback
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT):
            member = await connector.get_member(
                incoming.service_url, incoming.conversation_id, incoming.user_id
            )
    except TimeoutError:
        log.warning("Teams did not describe a user in time; the sign-in page shows no email")
        return fallback
    except ConnectorError as exc:
        log.warning("could not look up a user in Teams: %s", exc)
        return fallback
    found = profile_of(member)
    return (
        found
        if found.name
        else TeamsProfile(incoming.user_name, found.email, found.user_principal_name)
    )
