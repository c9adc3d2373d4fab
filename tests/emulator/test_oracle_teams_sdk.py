"""Microsoft's Teams SDK API client (microsoft-teams-api) against the emulator.

It sends conversation ids raw (not percent-encoded) and asks for `pagedMembers` in camel case.
Its `CreateConversationParams` has no `isGroup`, so it can open a personal chat but not a channel
thread (Teams answers BadSyntax without `isGroup: true`, per captured traffic).
"""

from __future__ import annotations

import httpx

from .conftest import World


async def test_teams_sdk_conversation_client(world: World) -> None:
    from microsoft_teams.api.activities.message import MessageActivityInput
    from microsoft_teams.api.clients.conversation import (
        ConversationClient,
        CreateConversationParams,
    )
    from microsoft_teams.api.models import Account
    from microsoft_teams.common.http import Client, ClientOptions

    transport = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.emu.app))
    http = Client(ClientOptions(token=await world.token()), _http=transport)
    client = ConversationClient(world.service_url, http)

    await world.emu.driver.post_message(world.channel, world.alice, "root")
    root = next(iter(world.emu.emulator.world.conversations[world.channel.id].messages.values()))
    thread = root.thread_conversation_id
    sent = await client.create_activity(thread, MessageActivityInput(text="from the Teams SDK"))
    await client.update_activity(thread, sent.id, MessageActivityInput(text="edited"))
    page = await client.get_paged_members(thread, page_size=60)
    personal = await client.create(
        CreateConversationParams(
            members=[Account(id=world.alice.id, name="Alice")], tenant_id=world.tenant.id
        )
    )
    await transport.aclose()

    messages = world.emu.emulator.world.conversations[world.channel.id].thread(root.id)
    assert [m.text for m in messages] == ["<at>CodeStream</at> root", "edited"]
    assert [m.id for m in page.members] == [world.alice.id, world.bob.id]
    assert personal.id == world.emu.driver.personal_chat(world.bot, world.alice).id
    raw = [e.url for e in world.emu.emulator.transcript.query(route="send_to_conversation")]
    assert ";messageid=" in raw[0]
