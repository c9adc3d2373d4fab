"""Baseline: Microsoft's Teams SDK (`microsoft-teams-apps` 2.1.1) with a handler that does nothing.

Runs in its own venv. The SDK's own FastAPI app and uvicorn server (its `FastAPIAdapter`), bound to
loopback with the access log off like every contender; the cloud settings point at the emulator
(`openid_metadata_url`, from which the SDK derives `.../keys`; `login_endpoint` too, so nothing
leaves loopback). Messaging endpoint: the SDK's default `/api/messages`.
Usage: teams_sdk.py --port N --world world.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.apps import App
from microsoft_teams.apps.http.fastapi_adapter import FastAPIAdapter


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--world", type=Path, required=True)
    args = parser.parse_args()
    world = json.loads(args.world.read_text())
    cloud = with_overrides(
        PUBLIC,
        openid_metadata_url=world["openid_metadata_url"],
        token_issuer=world["token_issuer"],
        login_endpoint=world["login_url"],
    )

    def server(app: FastAPI) -> uvicorn.Server:
        return uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False
            )
        )

    app = App(
        client_id=world["app_id"],
        client_secret=world["app_password"],
        tenant_id=world["tenant_id"],
        cloud=cloud,
        http_server_adapter=FastAPIAdapter(server_factory=server),
    )

    @app.on_message
    async def nothing(_ctx: Any) -> None:
        """The no-op handler."""

    print(json.dumps({"handler": "no-op on_message"}), flush=True)
    asyncio.run(app.start(args.port))


if __name__ == "__main__":
    sys.exit(main())
