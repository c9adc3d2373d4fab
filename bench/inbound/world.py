"""The Microsoft side for the inbound benchmark: the Teams emulator on loopback.

Serves the channel keys (`/v1/.well-known/openidconfiguration` and `/keys`) and the token endpoint
that every contender uses, registers a single-tenant bot installed in a team, and prints one JSON
line: the URLs, the bot's credentials, one valid channel token (Teams reuses a token for an hour)
and the body of an @mention `help` message in the team's General channel, whose activity id is the
placeholder `ACTIVITY_ID`. Then serves until killed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

from teams_emulator import Emulator, RunningEmulator, scene
from teams_emulator import activities as act

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import listening_socket

ID_PLACEHOLDER = "ACTIVITY_ID"


def build(port: int) -> tuple[Any, dict[str, Any]]:
    """The emulator app, a tenant with a team, our bot installed in it, and what clients need."""
    running = RunningEmulator.of(Emulator(base_url=f"http://127.0.0.1:{port}", throttling=False))
    emulator = running.emulator
    cast = scene(emulator, tenant="Bench", users=["Bench User"], team="Bench", channels=())
    tenant, user, team, bot = cast.tenant, cast.alice, cast.team, cast.bot
    team.installed_bots.add(bot.app_id)
    service_url = emulator.service_url(tenant)
    activity = act.frame(
        "message",
        bot=bot,
        user=user,
        conversation=act.channel_conversation(team, team.general.id),
        channel_data={
            "tenant": {"id": tenant.id},
            "teamsTeamId": team.id,
            "teamsChannelId": team.general.id,
            "team": {"id": team.id},
            "channel": {"id": team.general.id},
        },
        service_url=service_url,
        now=emulator.clock(),
        activity_id=ID_PLACEHOLDER,
    )
    tag, mention = act.mention(bot)
    fields = act.message_fields(f"{tag} help", bot)
    fields["entities"] = [mention, *activity["entities"]]
    activity.update(fields)
    body = json.dumps(activity, separators=(",", ":"))
    assert body.count(ID_PLACEHOLDER) == 1
    info = {
        "base_url": emulator.base_url,
        "openid_metadata_url": emulator.openid_metadata_url,
        "jwks_url": emulator.jwks_url,
        "login_url": emulator.login_url,
        "token_issuer": emulator.token_issuer,
        "app_id": bot.app_id,
        "app_password": bot.secret,
        "tenant_id": tenant.id,
        "service_url": service_url,
        "conversation_id": team.general.id,
        "token": emulator.channel_tokens.mint(bot.app_id, service_url, lifetime=4 * 3600),
        "body_template": body,
        "id_placeholder": ID_PLACEHOLDER,
        "msteams_block": running.msteams_block(bot),
    }
    return running.app, info


def main() -> None:
    """Serve until killed."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None).parse_args()
    sock = listening_socket()
    app, info = build(sock.getsockname()[1])
    print(json.dumps(info), flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
