"""The bot's test world: our app and the Teams emulator, wired to each other."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from codestream.config import Config, config_from_document, new_document
from teams_emulator import BotApp, Channel, RunningEmulator, Team, Tenant, User


@dataclass
class BotWorld:
    """The emulator with a tenant, a team, two users and our bot registered and installed."""

    emu: RunningEmulator
    bot: BotApp
    tenant: Tenant
    team: Team
    channel: Channel
    alice: User
    bob: User
    endpoint: str
    app_client: httpx.AsyncClient


def bot_config(emu: RunningEmulator, bot: BotApp, database_url: str) -> Config:
    """A services config whose msteams block points at the emulator."""
    doc = new_document("https://codestream.example.com")
    doc["integrations"] = {
        "msteams": {
            "microsoft.com": {
                "botAppId": bot.app_id,
                "botAppPassword": bot.secret,
                "botAppTenantId": bot.home_tenant_id,
                "openIdMetadataUrl": emu.openid_metadata_url,
                "loginUrl": emu.login_url,
                "serviceUrlAllowList": ["127.0.0.1"],
            }
        }
    }
    return config_from_document(doc, environ={"CS_DATABASE_URL": database_url})
