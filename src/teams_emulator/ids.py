"""Identifiers shaped like the ones Teams and Entra hand out.

Users are `29:…`, bots `28:<appId>`, channels and teams `19:…@thread.tacv2`, personal chats `a:…`,
message ids are millisecond timestamps, event activity ids are `f:<guid>`.
"""

from __future__ import annotations

import base64
import secrets
import uuid

THREAD_MARKER = ";messageid="


def guid() -> str:
    """A random GUID, as Entra uses for tenants, apps and objects."""
    return str(uuid.uuid4())


def _token(nbytes: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode().rstrip("=")


def user_mri() -> str:
    """A Teams user id (`29:` MRI)."""
    return "29:" + _token(42)


def bot_mri(app_id: str) -> str:
    """The id a bot has inside Teams conversations."""
    return "28:" + app_id


def thread_id() -> str:
    """A team or channel id (`19:<hex>@thread.tacv2`)."""
    return f"19:{secrets.token_hex(16)}@thread.tacv2"


def personal_chat_id() -> str:
    """A one-to-one chat id between a bot and a user (`a:…`)."""
    return "a:" + _token(48)


def event_activity_id() -> str:
    """The id Teams gives conversationUpdate/installationUpdate/invoke activities."""
    return "f:" + guid()


def trace_id() -> str:
    """A GUID for Entra's trace and correlation ids."""
    return guid()


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """Split `19:x@thread.tacv2;messageid=123` into the channel id and the thread root id."""
    base, marker, root = conversation_id.partition(THREAD_MARKER)
    return base, (root if marker else None)


def thread_conversation_id(channel_id: str, root_id: str) -> str:
    """The conversation id of a reply thread in a channel."""
    return f"{channel_id}{THREAD_MARKER}{root_id}"


class MessageIds:
    """Millisecond-timestamp message ids that never repeat, even when the clock stands still."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, now: float) -> str:
        """A fresh id not smaller than `now` in milliseconds."""
        candidate = int(now * 1000)
        self._last = max(candidate, self._last + 1)
        return str(self._last)
