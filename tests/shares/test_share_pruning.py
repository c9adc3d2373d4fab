"""A share keeps its card's address and outcome on its own row: once the worker prunes the card's
outbox row (a week after it finished), the share reports exactly what it reported before."""

from __future__ import annotations

from tests.shares.delivery_flow import Flow

from codestream.delivery.pruning import PRUNE_EVERY_MS
from codestream.domain.outbox import FINISHED_KEPT_MS


async def _prune_a_week_later(flow: Flow) -> None:
    flow.delivery.clock.advance((FINISHED_KEPT_MS + 2 * PRUNE_EVERY_MS) / 1000)
    await flow.delivery.worker("pruner").run_once()
    async with flow.delivery.uows() as uow:
        (share,) = await uow.shares.list_for_codemark(flow.world.codemark["id"])
        assert await uow.outbox.list_for_share(share.id) == []


async def test_it_reports_a_sent_share_the_same_after_its_outbox_row_is_pruned(
    flow: Flow,
) -> None:
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    before = await flow.status()
    assert before["status"] == "sent"
    await _prune_a_week_later(flow)
    assert await flow.status() == before


async def test_it_reports_a_failed_share_the_same_after_its_outbox_row_is_pruned(
    flow: Flow,
) -> None:
    flow.delivery.emu.emulator.faults.add("create_conversation", status=403)
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    before = await flow.status()
    assert before["status"] == "failed"
    await _prune_a_week_later(flow)
    assert await flow.status() == before


async def test_it_reports_a_share_sent_after_retries_the_same_after_pruning(flow: Flow) -> None:
    flow.delivery.emu.emulator.faults.add("create_conversation", status=503, count=2)
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    before = await flow.status()
    assert before["status"] == "sent" and before["attempts"] == 3
    await _prune_a_week_later(flow)
    assert await flow.status() == before
