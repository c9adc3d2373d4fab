"""Rows queued before an upgrade are still delivered: a create-conversation row used to store the
whole Bot Connector body (`isGroup`, `channelData`, `activity`); now it stores the activity."""

from __future__ import annotations

from codestream.domain.outbox import DeliveryStatus, Operation
from delivery.delivery_world import Delivery


async def test_it_posts_a_card_queued_by_an_older_version_as_that_version_would(
    delivery: Delivery,
) -> None:
    channel = delivery.channels[0]
    tenant_id = delivery.tenant.id
    old_body = {  # as 0.1.0's shares and team welcomes queued it
        "isGroup": True,
        "channelData": {"channel": {"id": channel.id}, "tenant": {"id": tenant_id}},
        "tenantId": tenant_id,
        "activity": {"type": "message", "text": "queued before the upgrade"},
    }
    old = await delivery.enqueue_raw(channel, Operation.CREATE_CONVERSATION, old_body)
    new = await delivery.enqueue(channel, "queued after the upgrade")

    await delivery.pump(delivery.worker())

    assert delivery.texts(channel) == ["queued before the upgrade", "queued after the upgrade"]
    sent_old, sent_new = (exchange.request_json for exchange in delivery.requests())
    assert sent_old == old_body
    assert sent_new == {
        **old_body,
        "activity": {"type": "message", "text": "queued after the upgrade"},
    }
    for item in (old, new):
        stored = await delivery.item(item.id)
        assert stored.status is DeliveryStatus.SENT
        assert stored.result_id is not None
        assert stored.result_id.startswith(f"{channel.id};messageid=")
