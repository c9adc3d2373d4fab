"""Wire shape of what the channel sends: just enough to route and check an activity.

Parsed by hand from the decoded JSON (this runs on every request of the bot's busiest route, where
a validation library cost more than the rest of the endpoint). The rules: the fields we route on
must be strings of bounded length (`type`, `channelId`, `serviceUrl`), the objects we read must be
objects, and a field of the wrong type makes the body "not an activity" (HTTP 400). Fields we
only display or compare are checked again where they are used (bot/incoming.py). Every field we
don't name stays readable in `raw`: Teams adds fields over time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

MAX_ID = 1024
MAX_TYPE = 64
MAX_SERVICE_URL = 2048
MAX_KEY_LENGTH = 500


class NotAnActivity(ValueError):
    """The JSON is not a Bot Framework activity; the message names the first bad field."""


def _required(data: dict[str, Any], field: str, *, limit: int) -> str:
    value = data.get(field)
    if not isinstance(value, str):
        raise NotAnActivity(f"{field} must be a string")
    if not 0 < len(value) <= limit:
        raise NotAnActivity(f"{field} must be 1 to {limit} characters")
    return value


def _text(data: dict[str, Any], field: str, *, limit: int | None = None) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise NotAnActivity(f"{field} must be a string")
    if limit is not None and len(value) > limit:
        raise NotAnActivity(f"{field} must be at most {limit} characters")
    return value


def _object(data: dict[str, Any], field: str) -> dict[str, Any] | None:
    value = data.get(field)
    if value is None or isinstance(value, dict):
        return value
    raise NotAnActivity(f"{field} must be an object")


@dataclass(frozen=True, slots=True)
class ChannelAccount:
    """A user or bot in a conversation."""

    id: str
    name: str | None = None
    aad_object_id: str | None = None

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> ChannelAccount | None:
        """The account in `data`, None if absent."""
        if data is None:
            return None
        return cls(
            id=_required(data, "id", limit=MAX_ID),
            name=_text(data, "name"),
            aad_object_id=_text(data, "aadObjectId"),
        )


@dataclass(frozen=True, slots=True)
class ConversationAccount:
    """The conversation an activity belongs to."""

    id: str
    conversation_type: str | None = None
    tenant_id: str | None = None
    is_group: bool | None = None

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> ConversationAccount | None:
        """The conversation in `data`, None if absent."""
        if data is None:
            return None
        is_group = data.get("isGroup")
        return cls(
            id=_required(data, "id", limit=MAX_ID),
            conversation_type=_text(data, "conversationType"),
            tenant_id=_text(data, "tenantId"),
            is_group=is_group if isinstance(is_group, bool) else None,
        )


def tenant_of(activity: Activity) -> str | None:
    """The Microsoft tenant an activity comes from: channelData.tenant.id, else the
    conversation's tenantId (Teams sends both; older payloads only one)."""
    channel_data = activity.channel_data or {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"]:
        return str(tenant["id"])
    conversation = activity.conversation
    return conversation.tenant_id if conversation is not None else None


@dataclass(frozen=True, slots=True)
class Activity:
    """An incoming activity. `raw` is the whole decoded object, for the fields not named here."""

    type: str
    channel_id: str
    service_url: str
    raw: dict[str, Any]
    id: str | None = None
    timestamp: str | None = None
    from_: ChannelAccount | None = None
    recipient: ChannelAccount | None = None
    conversation: ConversationAccount | None = None
    text: str | None = None
    value: Any = None
    name: str | None = None
    channel_data: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None

    @classmethod
    def parse(cls, data: Any) -> Activity:
        """The activity in decoded JSON; NotAnActivity when it isn't one."""
        if not isinstance(data, dict):
            raise NotAnActivity("an activity is a JSON object")
        entities = data.get("entities")
        if entities is not None and not (
            isinstance(entities, list) and all(isinstance(entity, dict) for entity in entities)
        ):
            raise NotAnActivity("entities must be a list of objects")
        return cls(
            type=_required(data, "type", limit=MAX_TYPE),
            channel_id=_required(data, "channelId", limit=MAX_TYPE),
            service_url=_required(data, "serviceUrl", limit=MAX_SERVICE_URL),
            raw=data,
            id=_text(data, "id", limit=MAX_ID),
            timestamp=_text(data, "timestamp"),
            from_=ChannelAccount.parse(_object(data, "from")),
            recipient=ChannelAccount.parse(_object(data, "recipient")),
            conversation=ConversationAccount.parse(_object(data, "conversation")),
            text=_text(data, "text"),
            value=data.get("value"),
            name=_text(data, "name"),
            channel_data=_object(data, "channelData"),
            entities=entities,
        )


@dataclass(frozen=True)
class InvokeResponse:
    """The HTTP answer to an `invoke` activity: a status and a JSON body."""

    status: int
    body: Any = None

    def as_json(self) -> dict[str, Any]:
        """The answer as JSON, to keep it (`from_json` reads it back)."""
        return {"status": self.status, "body": self.body}

    @classmethod
    def from_json(cls, kept: dict[str, Any]) -> InvokeResponse:
        """An answer kept with `as_json`."""
        return cls(int(kept["status"]), kept.get("body"))


def activity_key(activity: Activity) -> str | None:
    """What identifies one delivery of an activity for deduplication: its conversation and id
    (ids are unique per conversation); None for an activity without an id. Long keys are hashed
    so every key fits the store."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation else ""
    key = f"{conversation}|{activity.id}"
    if len(key) <= MAX_KEY_LENGTH and key.isprintable():
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"
