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
from codestream.bot.codemark_card import render_codemark_activity, reply_threads
from codestream.bot.commands import BotOptions
from codestream.bot.handler import AcknowledgingHandler, ActivityHandler
from codestream.bot.router import BotRouter
from codestream.config import Config
from codestream.delivery.runner import BackgroundWorker
from codestream.delivery.settings import DeliverySettings, default_worker_id
from codestream.delivery.worker import DeliveryWorker, SentHook
from codestream.domain.clock import Clock, system_clock
from codestream.domain.ports import PasswordHasher
from codestream.domain.services import build_services
from codestream.domain.services.msteams import MsTeamsService
from codestream.domain.services.reply_threads import CardSentHook
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine, is_sqlite
from codestream.storage.migrate import head_revision, upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.auth import InboundVerifier
from codestream.teams.connector import ConnectorClient
from codestream.teams.openid import SigningKeys
from codestream.teams.settings import BotSettings, bot_settings
from codestream.teams.tokens import ConnectorTokens
from codestream.web import msteams_conversations, msteams_share
from codestream.web.api import accounts, codemarks, shares, teams
from codestream.web.bot_endpoint import PATH as BOT_PATH
from codestream.web.bot_endpoint import BotEndpoint
from codestream.web.context import WebContext
from codestream.web.errors import install_error_handlers
from codestream.web.fastpath import FastPathApp
from codestream.web.health import health_router
from codestream.web.limits import BodySizeLimit
from codestream.web.pages import msteams_signin
from codestream.web.pages import routes as pages

log = logging.getLogger("codestream.web")

TURNS_IN_FLIGHT = 2
"""Bot-turn transactions open at once on PostgreSQL: one fills while the other commits."""
YOUNG_COLLECTION_THRESHOLD = 10_000
"""The server's youngest-generation GC threshold (Python's default is 700). A request's objects
die by reference counting; under load the young collections mostly walked the objects of the
requests still in flight: in process (replay.py) 6.6 us of collector per bot activity at 700,
none at 10,000. Under wrk the difference was within the machine's noise."""

API_DESCRIPTION = """\
CodeStream On-Prem REST API. Authenticate with `Authorization: Bearer <token>`; get a token from
`POST /api/v1/login`. Errors are JSON: `{"error": {"code": "...", "message": "..."}}`.
"""


def create_app(
    config: Config,
    *,
    engine: AsyncEngine | None = None,
    hasher: PasswordHasher | None = None,
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

    Outbound HTTP (Microsoft's keys and APIs) honours HTTPS_PROXY through httpx.
    """
    owns_engine = engine is None
    owns_http = http is None
    client = http if http is not None else httpx.AsyncClient(timeout=30.0)
    bot = bot_settings(config.msteams)
    verifier = (
        InboundVerifier(
            SigningKeys(client, bot.openid_metadata_url),
            app_id=bot.app_id,
            issuer=bot.token_issuer,
        )
        if bot is not None
        else None
    )
    db = engine if engine is not None else create_engine(config.database_url)
    delivery_settings = DeliverySettings.from_document(config.document)
    threads = reply_threads(config.public_api_url, delivery_settings.deadline_ms)
    delivery = _delivery_worker(
        delivery_settings, bot, db, client, clock, CardSentHook(threads, clock)
    )
    # Whatever commits outbox rows (a turn, a share, a reply) wakes the in-process worker.
    uows = SqlUnitOfWorkFactory(db, on_queued=delivery.worker.wake if delivery else None)
    services = build_services(
        uows,
        hasher or Argon2Hasher(),
        clock,
        card_renderer=render_codemark_activity,
        reply_threads=threads,
        public_url=config.public_api_url,
        delivery_deadline_ms=delivery_settings.deadline_ms,
    )
    head = head_revision()
    msteams = MsTeamsService(
        uows,
        clock,
        config.auth_secret.reveal().encode(),
        # SQLite has one write lock: a second open transaction would only wait for it.
        turns_in_flight=1 if is_sqlite(config.database_url) else TURNS_IN_FLIGHT,
        reply_threads=threads,
    )
    if bot_handler is None and bot is not None:
        bot_handler = BotRouter(
            msteams,
            ConnectorClient(client, ConnectorTokens(client, bot), bot.service_url_hosts),
            BotOptions(public_url=config.public_api_url, bot_app_id=bot.app_id),
        )

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
        fast_endpoint=BotEndpoint(verifier, bot_handler or AcknowledgingHandler()),
        title="CodeStream On-Prem",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.delivery = delivery
    app.state.msteams = msteams
    app.state.ctx = WebContext(config=config, services=services)
    install_error_handlers(app)
    app.include_router(health_router(readiness))
    app.include_router(accounts.router, prefix="/api/v1")
    app.include_router(teams.router, prefix="/api/v1")
    app.include_router(codemarks.router, prefix="/api/v1")
    app.include_router(shares.router, prefix="/api/v1")
    app.include_router(msteams_share.router)
    app.include_router(msteams_conversations.router)
    app.include_router(pages.router)
    app.include_router(msteams_signin.router)
    app.add_middleware(BodySizeLimit)
    return app


def _delivery_worker(
    settings: DeliverySettings,
    bot: BotSettings | None,
    db: AsyncEngine,
    http: httpx.AsyncClient,
    clock: Clock,
    on_sent: SentHook,
) -> BackgroundWorker | None:
    """The in-process delivery worker, when a bot is configured and `delivery.inProcessWorker`
    is not false. `app.state.delivery.worker.wake()` makes it look at the outbox at once."""
    if bot is None or not settings.in_process_worker:
        return None
    connector = ConnectorClient(http, ConnectorTokens(http, bot), bot.service_url_hosts)
    worker = DeliveryWorker(
        SqlUnitOfWorkFactory(db),
        connector,
        worker_id=default_worker_id(),
        clock=clock,
        on_sent=on_sent,
    )
    return BackgroundWorker(worker)
