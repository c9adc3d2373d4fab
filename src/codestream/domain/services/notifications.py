"""Personal notifications in Teams: who hears about a codemark event, and the bundled message.

The flow, in two steps:

1. `Notifications.codemark_event` is the one place events enter. The codemark use cases call it
   in their unit of work (`CodemarkService.create_codemark`, `change_codemark`, `add_reply`; a
   reply written in a card's thread, `msteams_replies.add_reply_from_teams`; card actions run
   those use cases). It works out whom the event concerns (assigned, `@username` mentioned, a
   reply on a codemark they created or replied to), one kind per person (`PRIORITY`), never
   the actor, and stores one pending row per person, due `bundle_ms` later.
2. `Notifications.flush` (run every second by the notifier task, `delivery/notifying.py`) takes
   the people whose oldest pending row is due and builds one message each: it checks, at that
   moment, that they are still linked to Teams, reachable, not muted, want that kind, and may
   still see the codemark, then queues the message in their personal chat (an outbox row;
   `POST /v3/conversations` first when no chat with them is known). A person who had
   `max_per_hour` messages in the last hour waits: their rows stay and are folded into the
   next message.

"Active in the thread": someone who wrote in a Teams thread of the codemark's card (a reply
from Teams, `Origin.TEAMS`) within `active_ms` sees the replies there; a reply does not
notify them.

Teams answering 403/404 to a notification (they left the organization, or removed the app)
marks the person unreachable (`on_failed`); nothing more is queued for them until they talk to
the bot again (`reachable_again`, called when their personal chat is recorded).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from codestream.domain.messages import NotificationData, TeamsMessages
from codestream.domain.models import Codemark, Origin, Post, User
from codestream.domain.msteams import PersonalChat
from codestream.domain.notifications import (
    PRIORITY,
    NewPendingNotification,
    NotificationKind,
    NotificationSettings,
    PendingNotification,
)
from codestream.domain.outbox import NewOutboxItem, Operation, OutboxItem
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.access import visible_codemark
from codestream.domain.services.shares import ShareService
from codestream.errors import InvalidInput, NotFound

NOTIFICATION_KIND = "notification"
"""Outbox rows of personal notifications."""
HOUR_MS = 3_600_000
NOTIFICATION_TTL_MS = HOUR_MS
"""How long a notification is retried: stale news is no news, and nothing retries forever."""
FLUSH_BATCH = 50
"""People handled per flush transaction."""
UNREACHABLE = (403, 404)
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9_.-]{0,39})")
MAX_OTHERS = 5


@dataclass(frozen=True)
class NotificationOptions:
    """The `notifications` block: bundling window, hourly limit, active-thread window (ms)."""

    bundle_ms: int = 30_000
    max_per_hour: int = 10
    active_ms: int = 600_000


@dataclass(frozen=True)
class CodemarkEvent:
    """Something happened to a codemark: `actor` did it. `new_assignees`: assigned by it;
    `text`: new words in which `@username` counts (minus those in `old_text`); `post`: a reply."""

    codemark: Codemark
    actor: User
    now: int
    new_assignees: tuple[str, ...] = ()
    text: str = ""
    old_text: str = ""
    post: Post | None = None


@dataclass(frozen=True)
class SettingsChange:
    """Switches to change (None: unchanged) and a mute (`mute_until` in ms, 0 to unmute)."""

    assigned: bool | None = None
    mentioned: bool | None = None
    replies: bool | None = None
    replies_joined: bool | None = None
    mute_until: int | None = None


def mentioned_usernames(text: str) -> list[str]:
    """The `@username`s in a text, lower-cased, in order, each once."""
    return list(dict.fromkeys(m.group(1).rstrip(".").lower() for m in MENTION.finditer(text)))


class Notifications:
    """Personal notifications: events in (`codemark_event`), bundled messages out (`flush`),
    the worker's hooks (`on_sent`, `on_failed`) and each person's settings."""

    def __init__(
        self,
        shares: ShareService,
        messages: TeamsMessages,
        options: NotificationOptions | None = None,
    ) -> None:
        self._shares = shares
        self._messages = messages
        self.options = options or NotificationOptions()

    # -- events -------------------------------------------------------------------------------

    async def codemark_event(self, uow: UnitOfWork, event: CodemarkEvent) -> int:
        """Queue the event for everyone it concerns (see the module doc); how many."""
        codemark, actor = event.codemark, event.actor
        if codemark.deactivated:
            return 0
        kinds: dict[str, NotificationKind] = {}

        def offer(user_id: str, kind: NotificationKind) -> None:
            if user_id == actor.id:
                return
            held = kinds.get(user_id)
            if held is None or PRIORITY.index(kind) < PRIORITY.index(held):
                kinds[user_id] = kind

        for user_id in event.new_assignees:
            offer(user_id, NotificationKind.ASSIGNED)
        already = set(mentioned_usernames(event.old_text))
        for username in mentioned_usernames(event.text):
            if username in already:
                continue
            user = await uow.users.get_by_username(username)
            if user is not None and not user.deactivated:
                offer(user.id, NotificationKind.MENTIONED)
        replies: list[Post] = []
        if event.post is not None:
            replies = await uow.posts.list_for_codemark(codemark.id)
            offer(codemark.creator_id, NotificationKind.REPLY_MINE)
            for earlier in replies:
                if earlier.id != event.post.id:
                    offer(earlier.creator_id, NotificationKind.REPLY_JOINED)
        if not kinds:
            return 0
        active = self._active_in_threads(replies, event.now) if event.post is not None else set()
        if active and not await self._has_cards_in_teams(uow, codemark):
            active = set()
        pending: list[NewPendingNotification] = []
        for user_id, kind in kinds.items():
            if user_id in active:
                continue
            settings = await self.settings_of(uow, user_id)
            if settings.unreachable_since is not None or not settings.wants(kind):
                continue
            if await uow.teams.get_membership(codemark.team_id, user_id) is None:
                continue
            if not await uow.msteams.list_user_links_of(user_id):
                continue
            pending.append(
                NewPendingNotification(
                    user_id=user_id,
                    codemark_id=codemark.id,
                    kind=kind,
                    actor_id=actor.id,
                    created_at=event.now,
                    due_at=event.now + self.options.bundle_ms,
                    post_id=event.post.id if event.post is not None else None,
                )
            )
        await uow.notifications.add_pending(pending)
        return len(pending)

    def _active_in_threads(self, replies: Sequence[Post], now: int) -> set[str]:
        since = now - self.options.active_ms
        return {p.creator_id for p in replies if p.origin is Origin.TEAMS and p.created_at >= since}

    @staticmethod
    async def _has_cards_in_teams(uow: UnitOfWork, codemark: Codemark) -> bool:
        shares = await uow.shares.list_for_codemark(codemark.id)
        return any(share.thread_id is not None for share in shares)

    # -- messages -----------------------------------------------------------------------------

    async def flush(self, uow: UnitOfWork, now: int, *, limit: int = FLUSH_BATCH) -> int:
        """Build and queue the messages that are due for up to `limit` people (see the module
        doc); how many were queued."""
        queued, _full = await self.flush_batch(uow, now, limit=limit)
        return queued

    async def flush_batch(
        self, uow: UnitOfWork, now: int, *, limit: int = FLUSH_BATCH
    ) -> tuple[int, bool]:
        """As `flush`; also whether `limit` people were due (more may be waiting).
        Serialized across processes (`lock_flush`), so two never bundle the same rows."""
        await uow.notifications.lock_flush()
        queued = 0
        due = await uow.notifications.due_users(now=now, limit=limit)
        for user_id in due:
            queued += await self._flush_one(uow, user_id, now)
        await uow.notifications.prune_messages(before=now - HOUR_MS)
        return queued, len(due) >= limit

    async def _flush_one(self, uow: UnitOfWork, user_id: str, now: int) -> int:
        notifications = uow.notifications
        pending = await notifications.pending_of(user_id)
        if not pending:
            return 0
        settings = await self.settings_of(uow, user_id)
        user = await uow.users.get(user_id)
        if user is None or user.deactivated or settings.unreachable_since is not None:
            await notifications.delete_pending([p.id for p in pending])
            return 0
        if settings.muted_at(now):
            await notifications.delete_pending([p.id for p in pending])
            return 0
        sent = await notifications.message_times(user_id, since=now - HOUR_MS)
        if len(sent) >= self.options.max_per_hour:
            # Folded into the next message: the rows wait until the hour's oldest one drops out.
            await notifications.postpone(user_id, until=sent[0] + HOUR_MS + 1)
            return 0
        await notifications.delete_pending([p.id for p in pending])
        muted = await notifications.muted_codemarks(user_id)
        wanted: list[tuple[PendingNotification, Codemark]] = []
        seen: dict[str, Codemark | None] = {}
        for item in pending:
            if item.codemark_id in muted or not settings.wants(item.kind):
                continue
            if item.codemark_id not in seen:
                try:
                    seen[item.codemark_id] = await visible_codemark(uow, user, item.codemark_id)
                except NotFound:
                    seen[item.codemark_id] = None
            codemark = seen[item.codemark_id]
            if codemark is not None:
                wanted.append((item, codemark))
        if not wanted:
            return 0
        target = await self._target(uow, user_id)
        if target is None:
            return 0
        activity = await self._render(uow, wanted, target[0])
        tenant_id, service_url, conversation_id, operation = target
        await uow.outbox.enqueue(
            NewOutboxItem(
                kind=NOTIFICATION_KIND,
                tenant_id=tenant_id,
                service_url=service_url,
                conversation_id=conversation_id,
                operation=operation,
                payload=activity,
            ),
            now=now,
            deadline_at=now + NOTIFICATION_TTL_MS,
        )
        await notifications.log_message(user_id, at=now)
        return 1

    async def _target(
        self, uow: UnitOfWork, user_id: str
    ) -> tuple[str, str, str, Operation] | None:
        """Where the person's message goes: their personal chat with the bot in the Teams
        account they linked last, or (no chat known) a new 1:1 chat with that Teams user.
        None when they have no link, or removed the bot from the chat we know."""
        links = await uow.msteams.list_user_links_of(user_id)
        if not links:
            return None
        link = links[-1]
        chat = await uow.msteams.find_personal_chat(link.tenant_id, link.teams_user_id)
        if chat is not None:
            if not chat.bot_installed:
                return None
            return chat.tenant_id, chat.service_url, chat.id, Operation.SEND
        tenant = await uow.msteams.get_tenant(link.tenant_id)
        if tenant is None:
            return None
        return (
            link.tenant_id,
            tenant.service_url,
            link.teams_user_id,
            Operation.CREATE_CONVERSATION,
        )

    async def _render(
        self,
        uow: UnitOfWork,
        wanted: list[tuple[PendingNotification, Codemark]],
        tenant_id: str,
    ) -> dict[str, Any]:
        by_codemark: dict[str, list[PendingNotification]] = {}
        codemarks: dict[str, Codemark] = {}
        for item, codemark in wanted:
            by_codemark.setdefault(codemark.id, []).append(item)
            codemarks[codemark.id] = codemark
        # The card shows the codemark of the newest event.
        main_id = wanted[-1][1].id
        main = codemarks[main_id]
        headline = await _headline(uow, by_codemark[main_id], main)
        if len(by_codemark) > 1:
            headline = f"{headline} (and {len(wanted) - len(by_codemark[main_id])} more updates)"
        card = await self._shares.card_data(uow, main, tenant_id=tenant_id)
        others = tuple(
            (_title(codemarks[cid]), card.permalink.rsplit("/", 1)[0] + "/" + cid)
            for cid in list(by_codemark)[:MAX_OTHERS]
            if cid != main_id
        )
        return self._messages.notification(NotificationData(headline, card, others))

    # -- the delivery worker's hooks ----------------------------------------------------------

    async def on_sent(self, uow: UnitOfWork, item: OutboxItem, result: Any) -> None:
        """A notification that opened a 1:1 chat: remember the chat, so the next one is sent
        into it."""
        if item.kind != NOTIFICATION_KIND or item.operation is not Operation.CREATE_CONVERSATION:
            return
        if not isinstance(result, dict) or not result.get("id"):
            return
        now = item.modified_at
        chat_id = str(result["id"])
        if await uow.msteams.get_personal_chat(chat_id) is None:
            await uow.msteams.save_personal_chat(
                PersonalChat(
                    id=chat_id,
                    tenant_id=item.tenant_id,
                    teams_user_id=item.conversation_id,
                    user_name="",
                    service_url=item.service_url,
                    bot_installed=True,
                    created_at=now,
                    modified_at=now,
                )
            )

    async def on_failed(
        self, uow: UnitOfWork, item: OutboxItem, reason: str, status: int | None
    ) -> None:
        """A notification Teams refused with 403/404: the person is unreachable until they
        talk to the bot again; their pending events are dropped."""
        if item.kind != NOTIFICATION_KIND or status not in UNREACHABLE:
            return
        teams_user_id = item.conversation_id
        if item.operation is Operation.SEND:
            chat = await uow.msteams.get_personal_chat(item.conversation_id)
            if chat is None:
                return
            teams_user_id = chat.teams_user_id
        link = await uow.msteams.get_user_link(item.tenant_id, teams_user_id)
        if link is None:
            return
        settings = await self.settings_of(uow, link.user_id)
        now = max(item.modified_at, item.created_at)
        await uow.notifications.save_settings(
            replace(settings, unreachable_since=now, modified_at=now)
        )
        pending = await uow.notifications.pending_of(link.user_id)
        await uow.notifications.delete_pending([p.id for p in pending])

    # -- settings -----------------------------------------------------------------------------

    @staticmethod
    async def settings_of(uow: UnitOfWork, user_id: str) -> NotificationSettings:
        """A person's settings (the defaults when they never changed any)."""
        found = await uow.notifications.get_settings(user_id)
        return found if found is not None else NotificationSettings(user_id=user_id)

    async def get_settings(self, uow: UnitOfWork, actor: User) -> NotificationSettings:
        """The actor's own settings."""
        return await self.settings_of(uow, actor.id)

    async def change_settings(
        self, uow: UnitOfWork, actor: User, change: SettingsChange, now: int
    ) -> NotificationSettings:
        """Change the actor's switches and mute; the settings as they are now."""
        settings = await self.settings_of(uow, actor.id)
        if change.mute_until is not None and change.mute_until < 0:
            raise InvalidInput(
                "muteUntil: expected a time in ms, or 0 to unmute", field="muteUntil"
            )
        updated = replace(
            settings,
            assigned=_or(change.assigned, settings.assigned),
            mentioned=_or(change.mentioned, settings.mentioned),
            replies=_or(change.replies, settings.replies),
            replies_joined=_or(change.replies_joined, settings.replies_joined),
            muted_until=(
                settings.muted_until if change.mute_until is None else (change.mute_until or None)
            ),
            created_at=settings.created_at or now,
            modified_at=now,
        )
        await uow.notifications.save_settings(updated)
        return updated

    async def mute_codemark(
        self, uow: UnitOfWork, actor: User, codemark_id: str, now: int, *, muted: bool = True
    ) -> Codemark:
        """Mute (or unmute) one codemark the actor may see; the codemark."""
        codemark = await visible_codemark(uow, actor, codemark_id)
        if muted:
            await uow.notifications.mute_codemark(actor.id, codemark.id, now)
        else:
            await uow.notifications.unmute_codemark(actor.id, codemark.id)
        return codemark

    async def muted_codemarks(self, uow: UnitOfWork, actor: User) -> list[str]:
        """The ids of the codemarks the actor muted, sorted."""
        return sorted(await uow.notifications.muted_codemarks(actor.id))


async def reachable_again(uow: UnitOfWork, tenant_id: str, teams_user_id: str, now: int) -> None:
    """A Teams user talked to the bot: if their CodeStream user was marked unreachable, they
    are reachable again."""
    link = await uow.msteams.get_user_link(tenant_id, teams_user_id)
    if link is None:
        return
    settings = await uow.notifications.get_settings(link.user_id)
    if settings is not None and settings.unreachable_since is not None:
        await uow.notifications.save_settings(
            replace(settings, unreachable_since=None, modified_at=now)
        )


def mute_until(choice: str, now: int) -> int:
    """The end of a mute chosen by name: `1h` (an hour from now), `tomorrow` (the next 08:00
    UTC), or `off` (0: unmute). InvalidInput names the choices."""
    if choice == "1h":
        return now + HOUR_MS
    if choice == "tomorrow":
        moment = datetime.fromtimestamp(now / 1000, UTC)
        morning = (moment + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        return int(morning.timestamp() * 1000)
    if choice == "off":
        return 0
    raise InvalidInput(f"mute: {choice!r:.20} is not one of 1h, tomorrow, off", field="mute")


def _or(new: bool | None, old: bool) -> bool:
    return old if new is None else new


def _title(codemark: Codemark) -> str:
    title = codemark.title or codemark.text.strip().split("\n", 1)[0]
    return title[:80] + ("…" if len(title) > 80 else "")


async def _headline(uow: UnitOfWork, items: list[PendingNotification], codemark: Codemark) -> str:
    title = _title(codemark)
    replies = [i for i in items if i.post_id is not None]
    kinds = {i.kind for i in items}
    if len(items) == 1 or (len(kinds) == 1 and len(replies) != len(items)):
        actor = await uow.users.get(items[-1].actor_id)
        who = (actor.full_name or actor.username) if actor is not None else "Someone"
        kind = items[-1].kind
        if kind is NotificationKind.ASSIGNED:
            return f"{who} assigned you '{title}'"
        if kind is NotificationKind.MENTIONED:
            return f"{who} mentioned you on '{title}'"
        return f"{who} replied on '{title}'"
    if len(replies) == len(items):
        return f"{len(replies)} new replies on '{title}'"
    return f"{len(items)} updates on '{title}'"
