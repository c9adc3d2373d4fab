"""The worker delivers the outbox to Teams, in order, paced, and records what happened."""

from __future__ import annotations

from codestream.domain.outbox import DeliveryStatus
from tests.delivery.conftest import Delivery


async def test_it_posts_each_queued_card_as_a_new_thread_and_records_its_id(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    first = await delivery.enqueue(channel, "card 1")
    second = await delivery.enqueue(channel, "card 2")
    worker = delivery.worker()
    await delivery.pump(worker)
    assert delivery.texts(channel) == ["card 1", "card 2"]
    sent = await delivery.item(first.id)
    assert sent.status is DeliveryStatus.SENT
    assert sent.attempts == 1
    assert sent.result_id is not None and sent.result_id.startswith(f"{channel.id};messageid=")
    assert (await delivery.item(second.id)).status is DeliveryStatus.SENT
