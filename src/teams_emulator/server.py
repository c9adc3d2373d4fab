"""Serving the emulator: the ASGI app, and an in-process uvicorn for tests (`run_emulator`)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from teams_emulator.clock import Clock
from teams_emulator.connector import connector_routes
from teams_emulator.control import control_routes
from teams_emulator.driver import Driver
from teams_emulator.emulator import Emulator
from teams_emulator.entities import BotApp, Tenant
from teams_emulator.login import login_routes
from teams_emulator.routing import DropConnectionMiddleware, quiet_dropped_connections
from teams_emulator.web.routes import web_routes


class EmulatorApp:
    """Bot Connector calls (paths with `/v3/`) go straight to their own router, the hot path;
    everything else (identity, control, page) goes through a Starlette app."""

    def __init__(self, emulator: Emulator, driver: Driver) -> None:
        self.emulator = emulator
        self.connector = DropConnectionMiddleware(Router(routes=connector_routes(emulator)))
        routes = [
            *control_routes(emulator),
            *web_routes(emulator, driver),
            *login_routes(emulator),
        ]
        self.other = Starlette(routes=routes, middleware=[Middleware(DropConnectionMiddleware)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch one ASGI call."""
        if scope["type"] == "http" and "/v3/" in scope["path"]:
            await self.connector(scope, receive, send)
        else:
            await self.other(scope, receive, send)


def create_app(emulator: Emulator, driver: Driver | None = None) -> ASGIApp:
    """The ASGI app serving identity, connector, control and web routes for `emulator`.

    The page acts through `driver` (a new one if none is given).
    """
    quiet_dropped_connections()
    return EmulatorApp(emulator, driver or Driver(emulator))


@dataclass
class RunningEmulator:
    """A served emulator: its URLs, the in-memory `Emulator`, and the driver its page uses."""

    emulator: Emulator
    base_url: str
    app: ASGIApp
    driver: Driver
    server_task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, emulator: Emulator) -> RunningEmulator:
        """The app and driver of `emulator`, to serve it yourself (an ASGI transport, a thread)."""
        driver = Driver(emulator)
        return cls(emulator, emulator.base_url, create_app(emulator, driver), driver)

    async def serve_forever(self) -> None:
        """Wait until the server stops (Ctrl-C / SIGTERM)."""
        if self.server_task is not None:
            await self.server_task

    @property
    def openid_metadata_url(self) -> str:
        """Channel OpenID metadata URL (configure as the bot's openIdMetadataUrl)."""
        return self.emulator.openid_metadata_url

    @property
    def login_url(self) -> str:
        """Entra authority host (configure as loginUrl): token URL is `{login_url}/{tenant}/...`."""
        return self.emulator.login_url

    @property
    def token_issuer(self) -> str:
        """`iss` of channel tokens (configure as tokenIssuer)."""
        return self.emulator.token_issuer

    @property
    def teams_js_url(self) -> str:
        """The TeamsJS stand-in a sign-in page loads (configure as teamsJsUrl)."""
        return self.emulator.teams_js_url

    def token_url(self, tenant: str = "botframework.com") -> str:
        """The token endpoint of a tenant."""
        return self.emulator.token_url(tenant)

    def service_url(self, tenant_or_region: Tenant | str | None = None) -> str:
        """A Teams-shaped serviceUrl on this server."""
        return self.emulator.service_url(tenant_or_region)

    def msteams_block(self, bot: BotApp, *, token_issuer: bool = False) -> dict[str, Any]:
        """The bot's block of a services config (`integrations.msteams.<name>`) pointing here.

        Plain config keys (botAppId, botAppPassword, botAppTenantId for a single-tenant bot,
        openIdMetadataUrl, tokenIssuer when asked, loginUrl, serviceUrlAllowList, teamsJsUrl), so
        the emulator needs nothing of the service it tests.
        """
        block: dict[str, Any] = {"botAppId": bot.app_id, "botAppPassword": bot.secret}
        if bot.home_tenant_id is not None:
            block["botAppTenantId"] = bot.home_tenant_id
        block["openIdMetadataUrl"] = self.openid_metadata_url
        if token_issuer:
            block["tokenIssuer"] = self.token_issuer
        block["loginUrl"] = self.login_url
        base = urlsplit(self.base_url)
        block["serviceUrlAllowList"] = [f"{base.scheme}://{base.netloc}"]  # the exact origin
        block["teamsJsUrl"] = self.teams_js_url
        return block


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says TCP, and without it every keep-alive response waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@asynccontextmanager
async def run_emulator(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    emulator: Emulator | None = None,
    clock: Clock | None = None,
    bot: BotApp | None = None,
    **emulator_options: Any,
) -> AsyncIterator[RunningEmulator]:
    """Serve an emulator with uvicorn on `host:port` (0 = a free port) inside this event loop.

    Pass an existing `emulator`, or options for a new one (`clock`, `throttling`, …).
    """
    if emulator is None:
        if clock is not None:
            emulator_options["clock"] = clock
        emulator = Emulator(**emulator_options)
    if bot is not None:
        emulator.world.add_bot(bot)
    sock = _bind(host, port)
    emulator.base_url = f"http://{host}:{sock.getsockname()[1]}"
    driver = Driver(emulator)
    app = create_app(emulator, driver)
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the emulator's server stopped while starting")
            await asyncio.sleep(0.005)
        yield RunningEmulator(emulator, emulator.base_url, app, driver, task)
    finally:
        server.should_exit = True
        if not task.done():
            await task
        sock.close()
        await driver.aclose()
