"""Which Teams users the shared card lists in its `refresh.userIds` (Teams refreshes the card
automatically for them, so each sees their own buttons): the Teams users of the card's tenant
signed in as members of the codemark's team, the newest links first, never more than 60 (Teams'
limit; the others refresh by hand). Shared through the API, delivered to the emulator by the
worker; the links are made with the domain function the sign-in uses (`msteams_links.link`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from tests.shares.card_rules import check_activity
from tests.shares.delivery_flow import Flow

from codestream.domain.services import msteams_links
from codestream.storage.uow import SqlUnitOfWorkFactory
from support.api import Member

MRI_PADDING = "x" * 70
"""Teams' `29:` ids are long (about 80 characters): the card must still fit with 60 of them."""


async def _link(
    engine: AsyncEngine, member: Member, tenant_id: str, teams_user_id: str, at: int
) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        user = await uow.users.get(member.id)
        assert user is not None
        await msteams_links.link(
            uow,
            tenant_id=tenant_id,
            teams_user_id=teams_user_id,
            aad_object_id=None,
            user=user,
            team_ids=[],
            now=at,
        )
        await uow.commit()


def _refresh_ids(flow: Flow) -> list[str]:
    (card,) = flow.cards()
    conversation = flow.delivery.emu.emulator.world.conversations[flow.channel.channel_id]
    (message,) = conversation.messages.values()
    check_activity({"type": "message", "attachments": message.attachments})
    refresh = card["refresh"]
    assert refresh["action"]["verb"] == "codemark.refresh"
    ids: list[str] = refresh["userIds"]
    return ids


async def test_the_card_lists_the_newest_60_linked_members(flow: Flow, engine: AsyncEngine) -> None:
    world, tenant = flow.world, flow.channel.tenant_id
    members = [await world.api.sign_up() for _ in range(61)]
    for index, member in enumerate(members):
        await world.api.add_member(world.alice, world.team["id"], member)
        await _link(engine, member, tenant, f"29:1{MRI_PADDING}{index:03d}", 1_000 + index)
    # Not listed: a member of another team, and a member's link in another tenant.
    await _link(engine, world.carol, tenant, f"29:1{MRI_PADDING}carol", 5_000)
    await _link(engine, world.bob, "another-tenant", f"29:1{MRI_PADDING}bob", 6_000)
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    listed = _refresh_ids(flow)
    assert len(listed) == 60
    assert listed == [f"29:1{MRI_PADDING}{index:03d}" for index in range(60, 0, -1)]


async def test_with_nobody_linked_the_card_lists_no_one(flow: Flow) -> None:
    await flow.share()
    await flow.delivery.pump(flow.delivery.worker())
    assert _refresh_ids(flow) == []
