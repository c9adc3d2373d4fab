"""Wire models of what the channel sends: just enough shape to route and check an activity."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChannelAccount(BaseModel):
    """A user or bot in a conversation."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(max_length=1024)
    name: str | None = None
    aad_object_id: str | None = Field(default=None, alias="aadObjectId")


class ConversationAccount(BaseModel):
    """The conversation an activity belongs to."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(max_length=1024)
    conversation_type: str | None = Field(default=None, alias="conversationType")
    tenant_id: str | None = Field(default=None, alias="tenantId")
    is_group: bool | None = Field(default=None, alias="isGroup")


class Activity(BaseModel):
    """An incoming activity. Unknown fields are kept: Teams adds them over time."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str = Field(min_length=1, max_length=64)
    id: str | None = Field(default=None, max_length=1024)
    channel_id: str = Field(alias="channelId", min_length=1, max_length=64)
    service_url: str = Field(alias="serviceUrl", min_length=1, max_length=2048)
    timestamp: str | None = None
    from_: ChannelAccount | None = Field(default=None, alias="from")
    recipient: ChannelAccount | None = None
    conversation: ConversationAccount | None = None
    text: str | None = None
    value: Any = None
    name: str | None = None
    channel_data: dict[str, Any] | None = Field(default=None, alias="channelData")
    entities: list[dict[str, Any]] | None = None
