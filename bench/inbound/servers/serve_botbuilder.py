"""Baseline: BotBuilder (`botbuilder-integration-aiohttp` 4.17.1, archived) with a no-op bot.

Runs in its own venv. The documented aiohttp set-up: `CloudAdapter` over
`ConfigurationBotFrameworkAuthentication`, whose settings point the channel-token validation at
the emulator's OpenID metadata (`TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`) and outbound login at
the emulator too, so nothing leaves loopback. Messaging endpoint: `/api/messages`.
Usage: botbuilder.py --port N --world world.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)


class Settings:
    """The attributes `ConfigurationBotFrameworkAuthentication` reads."""

    def __init__(self, world: dict[str, Any]) -> None:
        self.APP_ID = world["app_id"]
        self.APP_PASSWORD = world["app_password"]
        self.APP_TYPE = "SingleTenant"
        self.APP_TENANTID = world["tenant_id"]
        self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = world["openid_metadata_url"]
        self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = world["token_issuer"]
        self.TO_CHANNEL_FROM_BOT_LOGIN_URL = f"{world['login_url']}/{world['tenant_id']}"
        self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = world["openid_metadata_url"]
        self.OAUTH_URL = world["base_url"]
        self.VALIDATE_AUTHORITY = False


class NoOpBot(ActivityHandler):
    """A bot that receives messages and does nothing."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Nothing."""


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--world", type=Path, required=True)
    args = parser.parse_args()
    world = json.loads(args.world.read_text())
    logging.basicConfig(level=logging.WARNING)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings(world)))
    bot = NoOpBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    print(json.dumps({"handler": "no-op ActivityHandler"}), flush=True)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    sys.exit(main())
