"""Our contender: the CodeStream app as `codestream serve` runs it, with the bot pointed at the
emulator's keys. One uvicorn worker; uvloop and httptools when installed (uvicorn's "auto").

Differences from `codestream serve`, all on the benchmark's side: no access log and log level
warning (no contender logs each request), and the config is built here instead of read from a
file. `--no-in-process-worker` sets `delivery.inProcessWorker: false` (replies stay queued for a
`codestream worker` process; none runs during the benchmark).
Usage: serve_ours.py --port N --world world.json --database-url URL [--no-in-process-worker]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

from codestream.config import Config, config_from_document, new_document
from codestream.web.app import create_app


def describe_handler(app: Any) -> str:
    """The class of the bot handler the app wired to the endpoint (what the benchmark measures)."""
    kind = type(app.fast_endpoint.handler)
    return f"{kind.__module__}.{kind.__qualname__}"


def build_config(world: dict[str, Any], database_url: str, *, in_process_worker: bool) -> Config:
    """Our config for the benchmark's world: the bot pointed at the emulator's keys."""
    doc = new_document("https://codestream.example.com")
    doc["delivery"] = {"inProcessWorker": in_process_worker}
    doc["integrations"] = {"msteams": {"microsoft.com": world["msteams_block"]}}
    return config_from_document(doc, environ={"CS_DATABASE_URL": database_url})


def main() -> None:
    """Build the app and serve it until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--in-process-worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the delivery worker in the server (delivery.inProcessWorker, default true)",
    )
    args = parser.parse_args()
    world = json.loads(args.world.read_text())
    config = build_config(world, args.database_url, in_process_worker=args.in_process_worker)
    app = create_app(config, freeze_startup_objects=True)  # as `codestream serve` does
    print(json.dumps({"handler": describe_handler(app)}), flush=True)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    sys.exit(main())
