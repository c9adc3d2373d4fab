"""Microsoft's side of the Bot Framework protocol, on loopback, for testing a Teams bot.

Start with :func:`run_emulator` (tests) or :func:`create_app` (any ASGI server). Imports nothing
from `codestream`.
"""

from teams_emulator.clock import Clock, ManualClock, system_clock
from teams_emulator.delivery import BotResponse
from teams_emulator.driver import Driver
from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Channel, Conversation, Message, Team, Tenant, User
from teams_emulator.keys import KeyRing, SigningKey
from teams_emulator.scene import Scene, scene
from teams_emulator.server import RunningEmulator, create_app, run_emulator
from teams_emulator.tokens import (
    BOT_FRAMEWORK_ISSUER,
    BOT_FRAMEWORK_SCOPE,
    BOT_FRAMEWORK_TENANT_ID,
    sign_jwt,
)
from teams_emulator.transcript import Exchange, Transcript

__all__ = [
    "BOT_FRAMEWORK_ISSUER",
    "BOT_FRAMEWORK_SCOPE",
    "BOT_FRAMEWORK_TENANT_ID",
    "BotApp",
    "BotResponse",
    "Channel",
    "Clock",
    "Conversation",
    "Driver",
    "Emulator",
    "Exchange",
    "KeyRing",
    "ManualClock",
    "Message",
    "RunningEmulator",
    "Scene",
    "SigningKey",
    "Team",
    "Tenant",
    "Transcript",
    "User",
    "create_app",
    "run_emulator",
    "scene",
    "sign_jwt",
    "system_clock",
]
