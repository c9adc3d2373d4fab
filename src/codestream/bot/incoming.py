"""What an activity is about, read defensively: where it came from, who sent it, which command.

Teams sends loosely typed JSON and adds fields over time, so every value is checked for its type
and for being storable (bounded, printable) before the bot believes it. An activity we can't place
is ignored, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codestream.teams.activities import Activity

MAX_ID = 255
MAX_TENANT_ID = 64
MAX_NAME = 255
MAX_TEXT = 2000
MAX_REPLY = 28_000
"""Teams' own limit on a message, about 28 KB."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def clean_id(value: Any, limit: int = MAX_ID) -> str | None:
    """An id we can store and send: a non-empty printable string without spaces, bounded."""
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        return None
    # isprintable() is False for every whitespace character but " ", and for surrogates.
    if not value.isprintable() or " " in value:
        return None
    return value


def clean_text(value: Any, limit: int = MAX_NAME) -> str:
    """A display string we can store: printable, no surrogates, bounded; '' if not a string."""
    if not isinstance(value, str):
        return ""
    kept = (
        value
        if value.isprintable()
        else "".join(
            ch if ch.isprintable() else " " for ch in value if not 0xD800 <= ord(ch) <= 0xDFFF
        )
    )
    return " ".join(kept.split())[:limit]


@dataclass(frozen=True)
class Incoming:
    """An activity placed: tenant, conversation, scope, team/channel, sender."""

    activity: Activity
    tenant_id: str
    service_url: str
    conversation_id: str
    scope: str
    team_id: str | None
    channel_id: str | None
    user_id: str | None
    user_name: str
    aad_object_id: str | None
    bot_id: str | None

    @property
    def personal(self) -> bool:
        """A 1:1 chat with the bot."""
        return self.scope == "personal"

    @property
    def in_channel(self) -> bool:
        """A team channel (a post or its thread)."""
        return self.scope == "channel" and self.team_id is not None


def place(activity: Activity) -> Incoming | None:
    """Where the activity happened, or None when it can't be stored or answered."""
    conversation = activity.conversation
    if conversation is None:
        return None
    data = _dict(activity.channel_data)
    tenant_id = clean_id(_dict(data.get("tenant")).get("id"), MAX_TENANT_ID) or clean_id(
        conversation.tenant_id, MAX_TENANT_ID
    )
    conversation_id = clean_id(conversation.id)
    if tenant_id is None or conversation_id is None:
        return None
    team_id = clean_id(_dict(data.get("team")).get("id")) or clean_id(data.get("teamsTeamId"))
    scope = (
        conversation.conversation_type if isinstance(conversation.conversation_type, str) else ""
    )
    if not scope:
        scope = "channel" if team_id else "personal"
    channel_id = clean_id(_dict(data.get("channel")).get("id")) or clean_id(
        data.get("teamsChannelId")
    )
    if scope == "channel" and channel_id is None:
        channel_id = clean_id(conversation_id.split(";", 1)[0])
    sender = activity.from_
    recipient = activity.recipient
    return Incoming(
        activity=activity,
        tenant_id=tenant_id,
        service_url=activity.service_url,
        conversation_id=conversation_id,
        scope=scope,
        team_id=team_id,
        channel_id=channel_id,
        user_id=clean_id(sender.id) if sender else None,
        user_name=clean_text(sender.name) if sender else "",
        aad_object_id=clean_id(sender.aad_object_id, 64) if sender else None,
        bot_id=clean_id(recipient.id) if recipient else None,
    )


def _bot_mentions(activity: Activity) -> list[dict[str, Any]]:
    """The mention entities that name the bot (the activity's recipient)."""
    bot_id = activity.recipient.id if activity.recipient else None
    if bot_id is None:
        return []
    return [
        entity
        for entity in activity.entities or []
        if isinstance(entity, dict)
        and entity.get("type") == "mention"
        and _dict(entity.get("mentioned")).get("id") == bot_id
    ]


def mentions_bot(activity: Activity) -> bool:
    """Whether the message @mentions the bot (in a channel, Teams delivers only those, unless
    the team consented to the app reading every channel message)."""
    return bool(_bot_mentions(activity))


def is_card_action(activity: Activity) -> bool:
    """A click on an Action.Submit button: a message with a `value` (and usually no text)."""
    return bool(_dict(activity.value))


def _without_bot_mentions(activity: Activity, limit: int) -> str:
    """The message text with the bot's @mentions removed (exact strings from the mention
    entities, as Teams sent them; no patterns built from names)."""
    text = activity.text if isinstance(activity.text, str) else ""
    text = text[:limit]
    for entity in _bot_mentions(activity):
        tagged = entity.get("text")
        if isinstance(tagged, str) and tagged:
            text = text.replace(tagged, " ")
        name = _dict(entity.get("mentioned")).get("name")
        if isinstance(name, str) and name:
            text = text.replace(f"<at>{name}</at>", " ")
    return text.replace("\xa0", " ")


def strip_mentions(activity: Activity) -> str:
    """The message text without the @mentions of the bot, on one line."""
    return " ".join(_without_bot_mentions(activity, MAX_TEXT).split())


def reply_text(activity: Activity) -> str:
    """A reply's text as the user wrote it: without the bot's @mentions, other people's
    `<at>Name</at>` as `@Name`, line breaks kept, surrounding blank space trimmed."""
    text = _without_bot_mentions(activity, MAX_REPLY)
    text = text.replace("<at>", "@").replace("</at>", "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class Command:
    """What the user asked: a normalized command word, the text as typed, and a pasted code."""

    name: str
    typed: str
    code: str | None = None


def normalize(word: str) -> str:
    """`Sign In`, `sign-in` and `signin` are the same command."""
    return "".join(ch for ch in word.lower() if ch not in " -_\t")


def command_of(activity: Activity) -> Command:
    """The command of a message or card action: Action.Submit's `value` first, then the text."""
    value = _dict(activity.value)
    if activity.type == "invoke":
        action = _dict(value.get("action"))
        data = _dict(action.get("data"))
        verb = action.get("verb")
        value = {**data, "action": verb if isinstance(verb, str) and verb else data.get("action")}
    code = value.get("signInCode")
    if isinstance(code, str) and code.strip():
        return Command("signincode", "signincode", clean_text(code, 40))
    action_name = value.get("action")
    if isinstance(action_name, str) and action_name.strip():
        typed = clean_text(action_name, 100)
        return Command(normalize(typed), typed)
    typed = clean_text(strip_mentions(activity), MAX_TEXT)
    return Command(normalize(typed) if len(typed) <= 40 else "?", typed)
