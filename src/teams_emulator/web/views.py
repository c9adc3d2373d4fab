"""JSON views of the world for the page: the sidebar, and a conversation's threads."""

from __future__ import annotations

from functools import partial
from typing import Any

from teams_emulator.emulator import Emulator
from teams_emulator.entities import Message, User
from teams_emulator.universal_actions import (
    ADAPTIVE_CARD,
    displayed_card,
    refresh_is_due,
    refresh_plan,
)


def sidebar_state(emulator: Emulator) -> dict[str, Any]:
    """Tenants with their teams, channels, users and personal chats; bots; useful URLs."""
    world = emulator.world
    tenants = []
    for tenant in world.tenants.values():
        teams = [
            {
                "id": team.id,
                "name": team.name,
                "installedBots": sorted(team.installed_bots),
                "channels": [
                    {"id": c.id, "name": c.name} for c in team.channels.values() if not c.deleted
                ],
            }
            for team in world.teams.values()
            if team.tenant_id == tenant.id
        ]
        users = [
            {
                "id": u.id,
                "name": u.name,
                "aadObjectId": u.aad_object_id,
                "email": u.email,
                "locale": u.locale,
            }
            for u in world.users.values()
            if u.tenant_id == tenant.id
        ]
        chats = [
            {
                "id": c.id,
                "userId": c.user_id,
                "appId": c.bot_app_id,
                "title": (
                    f"{world.bots[c.bot_app_id or ''].name} · {world.users[c.user_id or ''].name}"
                ),
            }
            for c in world.conversations.values()
            if c.kind == "personal" and c.tenant_id == tenant.id
        ]
        tenants.append(
            {"id": tenant.id, "name": tenant.name, "teams": teams, "users": users, "chats": chats}
        )
    return {
        "version": world.version,
        "tenants": tenants,
        "bots": [
            {
                "appId": b.app_id,
                "name": b.name,
                "endpoint": b.endpoint,
                "tenantId": b.home_tenant_id,
                "personalInstalls": sorted(b.personal_installs),
            }
            for b in world.bots.values()
        ],
        "urls": {
            "openIdMetadata": emulator.openid_metadata_url,
            "login": emulator.login_url,
            "tokenIssuer": emulator.token_issuer,
            "teamsJs": emulator.teams_js_url,
        },
    }


def card_view(
    emulator: Emulator, message: Message, viewer: User | None, members: int
) -> dict[str, Any] | None:
    """The viewer's side of a bot's card: whose card is shown, the refresh Teams applies to them
    (and whether it is due now), a pending sign-in, the last action's notice."""
    if viewer is None or not message.from_app or message.deleted:
        return None
    card = displayed_card(message, viewer.id)
    if card is None:
        return None
    view = message.views.get(viewer.id)
    plan = refresh_plan(card, viewer.id, members)
    prompt = view.prompt if view is not None else None
    return {
        "userId": viewer.id,
        "card": card,
        "personal": bool(view is not None and view.card is not None),
        "refresh": {
            **plan.to_json(),
            "due": refresh_is_due(message, viewer.id, plan, emulator.clock()),
        },
        "signin": prompt["login"] if prompt else None,
        "notice": view.notice if view is not None else None,
    }


def message_view(
    emulator: Emulator, message: Message, viewer: User | None, members: int
) -> dict[str, Any]:
    """A message as the page draws it (for `viewer`: their view of a bot's card)."""
    attachments = [a for a in message.attachments if a.get("contentType") != "text/html"]
    view = card_view(emulator, message, viewer, members)
    if view is not None:
        # The viewer's user-specific card takes the place of the message's own card.
        for index, attachment in enumerate(attachments):
            if attachment.get("contentType") == ADAPTIVE_CARD:
                attachments[index] = {**attachment, "content": view["card"]}
                break
    return {
        "id": message.id,
        "senderId": message.sender_id,
        "senderName": message.sender_name,
        "fromBot": message.from_bot,
        "text": message.text,
        "textFormat": message.text_format,
        "timestamp": message.timestamp,
        "attachments": attachments,
        "deleted": message.deleted,
        "edited": message.updated is not None,
        "cardView": view,
    }


def conversation_view(
    emulator: Emulator, conversation_id: str, viewer_id: str | None = None
) -> dict[str, Any] | None:
    """A conversation with its threads (channel) or its flat message list (personal chat), as
    `viewer_id` sees it (their user-specific cards)."""
    world = emulator.world
    conversation = world.conversations.get(conversation_id)
    if conversation is None:
        return None
    viewer = world.users.get(viewer_id or "")
    members = len(world.members_of(conversation))
    show = partial(message_view, emulator, viewer=viewer, members=members)
    messages = sorted(conversation.messages.values(), key=lambda m: (m.timestamp, m.id))
    team: dict[str, Any] | None = None
    threads: list[dict[str, Any]]
    if conversation.kind == "personal":
        title = world.bots[conversation.bot_app_id or ""].name
        threads = [{"root": show(m), "replies": []} for m in messages]
        tenant_id = conversation.tenant_id
    else:
        channel = world.channels[conversation.id]
        team_obj = world.teams[channel.team_id]
        title = channel.name
        team = {
            "id": team_obj.id,
            "name": team_obj.name,
            "installedBots": sorted(team_obj.installed_bots),
            "installs": [
                {
                    "appId": app_id,
                    "name": world.bots[app_id].name,
                    # How the owner added it: with the RSC consent it hears every message.
                    "readsAllMessages": team_obj.may_read_all_messages(app_id),
                }
                for app_id in sorted(team_obj.installed_bots)
                if app_id in world.bots
            ],
        }
        threads = [
            {
                "root": show(root),
                "replies": [
                    show(m) for m in messages if m.thread_root == root.id and m.id != root.id
                ],
            }
            for root in messages
            if root.thread_root == root.id
        ]
        tenant_id = conversation.tenant_id
    return {
        "id": conversation.id,
        "kind": conversation.kind,
        "title": title,
        "team": team,
        "tenantId": tenant_id,
        "appId": conversation.bot_app_id,
        "threads": threads,
    }
