"""The driver's core: world building, activity framing and sending; shared by its parts."""

from __future__ import annotations

from typing import Any

import httpx

from teams_emulator import activities as act
from teams_emulator import ids
from teams_emulator.delivery import BotDelivery, BotResponse
from teams_emulator.emulator import Emulator
from teams_emulator.world import BotApp, Channel, Conversation, Message, Team, Tenant, User


class DriverCore:
    """State and helpers every part of the driver uses."""

    def __init__(
        self, emulator: Emulator, *, client: httpx.AsyncClient | None = None, timeout: float = 15.0
    ) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.delivery = BotDelivery(emulator, client, timeout)

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self.delivery.aclose()

    def use_client(self, client: httpx.AsyncClient) -> None:
        """Send activities through this client (e.g. an ASGI transport to an in-process bot)."""
        self.delivery = BotDelivery(self.emulator, client, self.delivery.timeout)

    # -- world building -------------------------------------------------------------------
    def create_tenant(
        self, name: str = "Contoso", *, tenant_id: str | None = None, domain: str = ""
    ) -> Tenant:
        """A new tenant (Entra directory)."""
        return self.world.add_tenant(name, tenant_id=tenant_id, domain=domain)

    def create_user(self, tenant: Tenant, name: str, *, email: str | None = None) -> User:
        """A new user of `tenant`."""
        return self.world.add_user(tenant, name, email=email)

    def create_team(self, tenant: Tenant, name: str, members: list[User]) -> Team:
        """A new team with a General channel; `members[0]` acts as its owner."""
        return self.world.add_team(tenant, name, members)

    def add_member(self, team: Team, user: User) -> None:
        """Add a user to a team."""
        if user.id not in team.members:
            team.members.append(user.id)
            self.world.touch()

    def personal_chat(self, bot: BotApp, user: User) -> Conversation:
        """The personal chat between a bot and a user."""
        return self.world.personal_chat(bot, user)

    # -- sending ----------------------------------------------------------------------------
    def _owner(self, team: Team, by: User | None) -> User:
        return by or self.world.users[team.members[0]]

    def _service_url(self, tenant_id: str) -> str:
        return self.emulator.service_url(self.world.tenants[tenant_id])

    def _frame(
        self,
        kind: str,
        bot: BotApp,
        user: User,
        conversation: dict[str, Any],
        channel_data: dict[str, Any],
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        return act.frame(
            kind,
            bot=bot,
            user=user,
            conversation=conversation,
            channel_data=channel_data,
            service_url=self._service_url(str(conversation["tenantId"])),
            now=self.emulator.clock(),
            activity_id=activity_id,
        )

    async def send_activity(
        self,
        bot: BotApp,
        activity: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> BotResponse:
        """POST any activity to the bot (`token`: see `BotDelivery.post`)."""
        return await self.delivery.post(bot, activity, token=token, headers=headers)

    def _pick_bot(self, team: Team, bot: BotApp | None) -> BotApp | None:
        if bot is not None:
            return bot if bot.app_id in team.installed_bots else None
        installed = sorted(team.installed_bots)
        return self.world.bots[installed[0]] if len(installed) == 1 else None

    def _new_id(self) -> str:
        return self.world.message_ids.next(self.emulator.clock())

    def _thread(self, channel: Channel, root: str) -> str:
        return ids.thread_conversation_id(channel.id, root)

    def _store(self, conversation: Conversation, message: Message) -> Message:
        return self.world.add_message(conversation, message)
