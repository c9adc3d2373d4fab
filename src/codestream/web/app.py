"""The ASGI app factory: the composition root of the web process."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream import __version__
from codestream.bot.handler import AcknowledgingHandler, ActivityHandler
from codestream.config import Config
from codestream.config.settings import value_of
from codestream.delivery.runner import BackgroundWorker
from codestream.domain.clock import Clock, system_clock
from codestream.passwords import BlockingHasher, HashingCapacity
from codestream.storage.credential_waits import retry_credential_waits
from codestream.storage.engine import create_engine
from codestream.storage.migrate import head_revision, upgrade_database
from codestream.storage.stats import channel_deliveries, outbox_snapshot
from codestream.teams.http import outbound_client
from codestream.teams.tokens import TOKEN_ERROR_PREFIXES
from codestream.web import msteams_conversations, msteams_share
from codestream.web.api import (
    accounts,
    codemarks,
    lifecycle,
    msteams_links,
    notifications,
    shares,
    teams,
)
from codestream.web.bot_endpoint import PATH as BOT_PATH
from codestream.web.bot_endpoint import BotEndpoint
from codestream.web.context import TeamsHealthSources, WebContext
from codestream.web.errors import install_error_handlers
from codestream.web.fastpath import FastPathApp
from codestream.web.health import health_router
from codestream.web.limits import BodySizeLimit
from codestream.web.metrics import HttpMetrics, OutboxNumbers, metrics_router
from codestream.web.pages import account as account_pages
from codestream.web.pages import (
    codemark_page,
    msteams_health,
    msteams_signin,
    notifications_page,
    team_admin,
)
from codestream.web.pages import routes as pages
from codestream.wiring import build_runtime

log = logging.getLogger("codestream.web")

YOUNG_COLLECTION_THRESHOLD = 10_000
"""The server's youngest-generation GC threshold (Python's default is 700). A request's objects
die by reference counting; under load the young collections mostly walked the objects of the
requests still in flight: in process (replay.py) 6.6 us of collector per bot activity at 700,
none at 10,000. Under wrk the difference was within the machine's noise."""

API_DESCRIPTION = """\
CodeStream On-Prem REST API. Authenticate with `Authorization: Bearer <token>`; get a token from
`POST /api/v1/login`. Errors are JSON: `{"error": {"code": "...", "message": "..."}}`.
"""


async def _retry_credential_waits(engine: AsyncEngine, clock: Clock) -> None:
    """Rows that waited on a token error go now: the config may have been fixed."""
    retried = await retry_credential_waits(engine, clock(), TOKEN_ERROR_PREFIXES)
    if retried:
        log.info("%d outbox rows that waited on a token error are retried now", retried)


def create_app(
    config: Config,
    *,
    engine: AsyncEngine | None = None,
    hasher: BlockingHasher | None = None,
    hashing: HashingCapacity | None = None,
    clock: Clock = system_clock,
    migrate: bool = True,
    http: httpx.AsyncClient | None = None,
    bot_handler: ActivityHandler | None = None,
    freeze_startup_objects: bool = False,
) -> FastAPI:
    """Build the app for a config. Pass an engine or HTTP client to share one; else the app owns it.

    `freeze_startup_objects` is for the one app of a server process (`codestream serve`): once
    started, everything alive is moved out of the garbage collector's sight (`gc.freeze`), so its
    full collections walk only what requests create, not every imported module's objects: those
    walks were the server's longest pauses. It also collects the youngest generation less often
    (YOUNG_COLLECTION_THRESHOLD).

    Outbound HTTP (Microsoft's keys and APIs) honours HTTPS_PROXY (`teams.http`).
    """
    owns_engine = engine is None
    owns_http = http is None
    client = http if http is not None else outbound_client()
    db = engine if engine is not None else create_engine(config.database_url)
    runtime = build_runtime(config, db, client, clock=clock, hasher=hasher, hashing=hashing)
    delivery = (
        BackgroundWorker(runtime.delivery, notifier=runtime.notifier)
        if runtime.delivery is not None and runtime.delivery_settings.in_process_worker
        else None
    )
    if bot_handler is None:
        bot_handler = runtime.bot
    head = head_revision()

    async def readiness() -> str | None:
        try:
            async with db.connect() as conn:
                result = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                revision = result.scalar_one_or_none()
        except Exception as exc:  # any driver error means "not ready"; say which kind
            return f"database unreachable ({type(exc).__name__})"
        if revision != head:
            return f"database schema at {revision}, expected {head}; run `codestream db upgrade`"
        return None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            await asyncio.to_thread(upgrade_database, config.database_url)
        if delivery is not None:
            await _retry_credential_waits(db, clock)
            delivery.start()
        if freeze_startup_objects:
            gc.collect()
            gc.freeze()
            gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            if delivery is not None:
                await delivery.stop()
            if owns_engine:
                await db.dispose()
            if owns_http:
                await client.aclose()

    app = FastPathApp(
        fast_path=BOT_PATH,
        fast_endpoint=BotEndpoint(
            runtime.verifier,
            bot_handler or AcknowledgingHandler(),
            allowed_tenants=runtime.bot_settings.allowed_tenants if runtime.bot_settings else None,
        ),
        title="CodeStream On-Prem",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.ctx = WebContext(
        config=config,
        services=runtime.services,
        teams_health=TeamsHealthSources(
            channel_deliveries=lambda ids: channel_deliveries(db, ids),
            token_problem=runtime.connector.token_problem if runtime.connector else None,
        ),
    )
    install_error_handlers(app)
    app.include_router(health_router(readiness))
    if value_of(config.document, "metrics.enabled"):

        async def read_outbox() -> OutboxNumbers:
            return await outbox_snapshot(db)

        app.include_router(metrics_router(value_of(config.document, "metrics.path"), read_outbox))
    app.include_router(accounts.router, prefix="/api/v1")
    app.include_router(teams.router, prefix="/api/v1")
    app.include_router(codemarks.router, prefix="/api/v1")
    app.include_router(shares.router, prefix="/api/v1")
    app.include_router(lifecycle.router, prefix="/api/v1")
    app.include_router(msteams_links.router, prefix="/api/v1")
    app.include_router(notifications.router, prefix="/api/v1")
    app.include_router(msteams_share.router)
    app.include_router(msteams_conversations.router)
    app.include_router(pages.router)
    app.include_router(msteams_signin.router)
    app.include_router(account_pages.router)
    app.include_router(notifications_page.router)
    app.include_router(team_admin.router)
    app.include_router(msteams_health.router)
    app.include_router(codemark_page.router)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(HttpMetrics)
    return app
