"""`Driver`: plays the Teams users. Builds the world and sends the bot what Teams would send.

World-building calls (`create_tenant`, `create_user`, `create_team`) are plain methods; everything
that makes Teams talk to the bot is async and returns the bot's answers as `BotResponse`s. The
driver is a front for five parts: `WorldBuilding`, `Messaging`, `UniversalActions` (a user's
client with a bot's Adaptive Card: Action.Execute, refresh, sign-in, per-user views), `Compose`
(the compose box's message extension: link unfurling, search) and `Lifecycle`, which share one
`Sender`. It is made beside the emulator (by `run_emulator`, or by
hand), never by it.
"""

from __future__ import annotations

from typing import Any

import httpx

from teams_emulator.compose import Compose
from teams_emulator.delivery import BotDelivery, BotResponse
from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Conversation, Team, Tenant, User
from teams_emulator.lifecycle import Lifecycle
from teams_emulator.messaging import Messaging
from teams_emulator.sender import Sender
from teams_emulator.universal_actions import UniversalActions
from teams_emulator.world import World


class WorldBuilding:
    """Tenants, users, teams and chats made directly (no bot hears of them)."""

    def __init__(self, world: World) -> None:
        self.world = world

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


class Driver:
    """Teams' users, acting on the emulated world and notifying bots."""

    def __init__(
        self, emulator: Emulator, *, client: httpx.AsyncClient | None = None, timeout: float = 15.0
    ) -> None:
        self.emulator = emulator
        self.sender = Sender(emulator, self._delivery(client, timeout))
        building = WorldBuilding(emulator.world)
        messaging = Messaging(self.sender)
        lifecycle = Lifecycle(self.sender)
        self.universal_actions = UniversalActions(messaging)
        self.compose = Compose(messaging)
        """The compose box's message extension: `query_link`, `search`, `resume`, `insert`."""
        actions = self.universal_actions
        # The driver's calls, each one part's method.
        self.create_tenant = building.create_tenant
        self.create_user = building.create_user
        self.create_team = building.create_team
        self.add_member = building.add_member
        self.personal_chat = building.personal_chat
        self.post_message = messaging.post_message
        self.reply = messaging.reply
        self.send_personal_message = messaging.send_personal_message
        self.submit_action = messaging.submit_action
        self.execute_action = actions.execute_action
        self.resume_action = actions.resume_action
        self.refresh_card = actions.refresh_card
        self.show_card = actions.show_card
        self.card_for = actions.card_for
        self.view_of = actions.view_of
        self.delete_message = actions.delete_message
        self.verify_signin_state = messaging.verify_signin_state
        self.install_bot = lifecycle.install_bot
        self.remove_bot = lifecycle.remove_bot
        self.install_bot_personal = lifecycle.install_bot_personal
        self.remove_bot_personal = lifecycle.remove_bot_personal
        self.create_channel = lifecycle.create_channel
        self.rename_channel = lifecycle.rename_channel
        self.delete_channel = lifecycle.delete_channel

    def _delivery(self, client: httpx.AsyncClient | None, timeout: float) -> BotDelivery:
        emulator = self.emulator
        return BotDelivery(
            emulator.channel_tokens, emulator.transcript, emulator.clock, client, timeout
        )

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self.sender.delivery.aclose()

    def use_client(self, client: httpx.AsyncClient) -> None:
        """Send activities through this client (e.g. an ASGI transport to an in-process bot)."""
        self.sender.delivery = self._delivery(client, self.sender.delivery.timeout)

    async def send_activity(
        self,
        bot: BotApp,
        activity: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> BotResponse:
        """POST any activity to the bot (`token`: see `BotDelivery.post`)."""
        return await self.sender.send(bot, activity, token=token, headers=headers)
