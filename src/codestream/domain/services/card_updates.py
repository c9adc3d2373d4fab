"""Every card of a codemark shows the codemark as it is now.

The one place a change of a codemark reaches its cards in Teams. The use cases that change a
codemark (`CodemarkService.change_codemark`, `add_reply`, `delete_codemark`, a reply written in a
card's thread) call `CardUpdates.codemark_changed` in their own unit of work, so the change and
its messages to Teams commit together. Per share of the codemark, in a channel still connected:

* its card is in Teams: an update of the card (Operation.UPDATE, the card's message id) is
  queued into the card's thread, the same conversation as the thread's replies, so it is sent
  in order with them and never before the card itself; on a status change, a short line
  ("Ada resolved this") follows it into the thread.
* its card is still on its way: the waiting create takes the new card. A create already being
  sent carries the old one; when it is marked sent, `card_sent` (the delivery worker's hook,
  in that transaction) compares and queues an update if the codemark changed meanwhile.

Coalescing: a card has at most one update waiting (queued or retrying) at a time; a change
replaces its payload (`enqueue_latest`, one statement for all the cards), so a burst costs one
call per card per pacing slot (`delivery/pacing.py` lets one update of a card go per
CARD_UPDATE window). While an update is being sent, one new row waits behind it and carries the
latest state.

A card deleted in Teams answers an update with 404: `on_failed` marks its share `card_deleted`
and the share gets no more updates.
"""

from __future__ import annotations

from typing import Any

from codestream.domain.messages import Activity, StatusLineData, TeamsMessages
from codestream.domain.models import Codemark, User
from codestream.domain.msteams import split_thread
from codestream.domain.outbox import NewOutboxItem, Operation, OutboxItem
from codestream.domain.ports import UnitOfWork
from codestream.domain.services.reply_threads import CodemarkCards, SentCard, codemark_cards
from codestream.domain.services.shares import ShareService
from codestream.domain.shares import CARD_DELETED, Share

CARD_UPDATE_KIND = "codemark_card_update"
"""Outbox rows that replace a shared card in Teams."""
STATUS_LINE_KIND = "codemark_status_line"
"""Outbox rows of the "Ada resolved this" lines in a card's thread."""
NOT_FOUND = 404


class CardUpdates:
    """Keeps a codemark's cards in Teams current: renders through the `TeamsMessages` port
    (`ShareService.card_data` builds what a card shows) and queues the calls in the outbox."""

    def __init__(self, shares: ShareService, messages: TeamsMessages, deadline_ms: int) -> None:
        self._shares = shares
        self._messages = messages
        self._deadline_ms = deadline_ms

    async def codemark_changed(
        self,
        uow: UnitOfWork,
        codemark: Codemark,
        now: int,
        *,
        actor: User | None = None,
        status_changed: bool = False,
    ) -> CodemarkCards:
        """Bring every card of `codemark` (as it is now, after the change) up to date, in the
        caller's unit of work; with `status_changed`, tell each card's thread who changed the
        status. The cards as read before their updates were queued (which leaves the shares'
        status as it was)."""
        cards = await codemark_cards(uow, codemark)
        live = [card for card in cards.sent if card.share.status != CARD_DELETED]
        if not live and not cards.waiting:
            return cards
        rendered: dict[str, Activity] = {}

        async def card_in(tenant_id: str) -> Activity:
            # One rendering per tenant: the card's refresh lists that tenant's linked members.
            if tenant_id not in rendered:
                rendered[tenant_id] = await self._render(uow, codemark, tenant_id)
            return rendered[tenant_id]

        for share in cards.waiting:
            await uow.outbox.refresh_waiting(
                share.id, Operation.CREATE_CONVERSATION, await card_in(share.tenant_id), now=now
            )
        line = None
        if status_changed and actor is not None and not codemark.deactivated:
            line = self._messages.status_line(StatusLineData(codemark, actor, codemark.status))
        await self._update(uow, [(card, await card_in(card.share.tenant_id)) for card in live], now)
        if line is not None:  # after the updates: each thread shows its card's change first
            deadline_at = now + self._deadline_ms
            await uow.outbox.enqueue_many(
                [
                    (self._item(c, STATUS_LINE_KIND, Operation.SEND, line), deadline_at)
                    for c in live
                ],
                now=now,
            )
        return cards

    async def card_sent(
        self,
        uow: UnitOfWork,
        share: Share,
        *,
        thread_id: str,
        service_url: str,
        sent: dict[str, Any],
        now: int,
    ) -> None:
        """The share's card just started `thread_id` showing `sent`: if the codemark changed
        since it was rendered (while it was being sent), queue an update to the current card."""
        codemark = await uow.codemarks.get(share.codemark_id)
        _, message_id = split_thread(thread_id)
        if codemark is None or message_id is None:
            return
        activity = await self._render(uow, codemark, share.tenant_id)
        if activity != sent:
            card = SentCard(share, thread_id, message_id, service_url)
            await self._update(uow, [(card, activity)], now)

    async def _render(self, uow: UnitOfWork, codemark: Codemark, tenant_id: str) -> Activity:
        data = await self._shares.card_data(uow, codemark, tenant_id=tenant_id)
        return self._messages.codemark(data)

    async def on_failed(
        self, uow: UnitOfWork, item: OutboxItem, reason: str, status: int | None
    ) -> None:
        """The delivery worker's `on_failed`: an update Teams answered 404 means the card was
        deleted there; its share says so and gets no more updates."""
        if item.kind == CARD_UPDATE_KIND and status == NOT_FOUND:
            await uow.shares.mark_card_deleted(item.tenant_id, item.conversation_id)

    async def _update(
        self, uow: UnitOfWork, cards: list[tuple[SentCard, Activity]], now: int
    ) -> None:
        """Queue each card's update (its message id in the activity), coalesced with the one
        waiting, all in one call to the outbox."""
        await uow.outbox.enqueue_latest(
            [
                self._item(
                    card, CARD_UPDATE_KIND, Operation.UPDATE, {**activity, "id": card.message_id}
                )
                for card, activity in cards
            ],
            now=now,
            deadline_at=now + self._deadline_ms,
        )

    @staticmethod
    def _item(
        card: SentCard, kind: str, operation: Operation, payload: dict[str, Any]
    ) -> NewOutboxItem:
        return NewOutboxItem(
            kind=kind,
            tenant_id=card.share.tenant_id,
            service_url=card.service_url,
            conversation_id=card.thread_id,
            operation=operation,
            payload=payload,
        )
