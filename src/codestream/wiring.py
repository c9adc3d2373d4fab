"""The one builder that wires a process from the services config.

`codestream serve` (through `web/app.py`), `codestream worker`, the CLI's data commands, the tests
and the benchmarks all call `build_runtime`, so each gets the same use cases, one Bot Connector
client with one token cache, and one delivery worker. The caller owns the engine and the HTTP
client it passes in (only the composition roots, `web/app.py` and `cli`, create those).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.bot.command_registry import BotOptions
from codestream.bot.messages import BotMessages
from codestream.bot.router import BotRouter
from codestream.config import Config, value_of
from codestream.delivery.leases import DEFAULT_LEASE_MS
from codestream.delivery.notifying import Notifier
from codestream.delivery.settings import DeliverySettings, default_worker_id
from codestream.delivery.worker import DeliveryWorker
from codestream.domain.clock import Clock, system_clock
from codestream.domain.services import Services, build_services
from codestream.domain.services.notifications import NotificationOptions
from codestream.domain.services.reply_threads import CardSentHook
from codestream.passwords import (
    Argon2Hasher,
    BlockingHasher,
    GatedHasher,
    HashingCapacity,
    ZxcvbnCommonPasswords,
)
from codestream.storage.engine import is_sqlite
from codestream.storage.notify import OutboxNotifications
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.auth import InboundVerifier
from codestream.teams.connector import ConnectorClient
from codestream.teams.openid import SigningKeys
from codestream.teams.settings import BotSettings, bot_settings
from codestream.teams.tokens import ConnectorTokens

TURNS_IN_FLIGHT = 2
"""Bot-turn transactions open at once on PostgreSQL: one fills while the other commits."""


@dataclass(frozen=True)
class Runtime:
    """A wired process. `bot`, `verifier`, `connector` and `delivery` are None when no Teams
    bot is configured; `delivery` is built but not started (the caller runs it)."""

    services: Services
    delivery_settings: DeliverySettings
    bot_settings: BotSettings | None
    connector: ConnectorClient | None
    verifier: InboundVerifier | None
    bot: BotRouter | None
    delivery: DeliveryWorker | None
    notifier: Notifier | None = None
    """Turns due personal notifications into outbox rows; run it beside `delivery`."""


H = TypeVar("H", bound=Callable[..., Awaitable[None]])


def _both(first: H | None, second: H | None) -> Any:
    """One hook that calls `first`, then `second` (either may be None)."""
    hooks = [hook for hook in (first, second) if hook is not None]
    if len(hooks) < 2:
        return hooks[0] if hooks else None

    async def both(*args: Any) -> None:
        for hook in hooks:
            await hook(*args)

    return both


def notification_options(config: Config) -> NotificationOptions:
    """The `notifications` block of the services config (validated with the rest)."""
    document = config.document
    return NotificationOptions(
        bundle_ms=int(float(value_of(document, "notifications.bundleSeconds")) * 1000),
        max_per_hour=int(value_of(document, "notifications.maxPerHour")),
        active_ms=int(float(value_of(document, "notifications.activeThreadMinutes")) * 60_000),
    )


def build_runtime(
    config: Config,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    *,
    clock: Clock = system_clock,
    hasher: BlockingHasher | None = None,
    hashing: HashingCapacity | None = None,
    worker_id: str | None = None,
    lease_ms: int = DEFAULT_LEASE_MS,
) -> Runtime:
    """Wire the use cases, the bot and the delivery worker for `config` on `engine` and `http`.

    `hasher` (argon2id by default) runs in worker threads, at most `hashing` at once
    (`HashingCapacity.default()`); new passwords are checked against zxcvbn's list of common
    passwords. Raises ConfigError for a bad `delivery` block. Whatever commits outbox rows (a
    turn, a share, a reply) wakes the delivery worker, if it runs in this process.
    """
    bot = bot_settings(config.msteams)
    delivery_settings = DeliverySettings.from_document(config.document)
    units = SqlUnitOfWorkFactory(engine)
    services = build_services(
        units,
        GatedHasher(hasher or Argon2Hasher(), hashing or HashingCapacity.default()),
        clock,
        common_passwords=ZxcvbnCommonPasswords(),
        messages=BotMessages(),
        public_url=config.public_api_url,
        signing_key=config.auth_secret.reveal().encode(),
        delivery_deadline_ms=delivery_settings.deadline_ms,
        # SQLite has one write lock: a second open transaction would only wait for it.
        turns_in_flight=1 if is_sqlite(config.database_url) else TURNS_IN_FLIGHT,
        notification_options=notification_options(config),
    )
    if bot is None:
        return Runtime(services, delivery_settings, None, None, None, None, None)
    connector = ConnectorClient(http, ConnectorTokens(http, bot), bot.service_url_origins)
    threads = services.reply_threads
    notifications = services.notifications
    delivery = DeliveryWorker(
        SqlUnitOfWorkFactory(engine),
        connector,
        worker_id=worker_id or default_worker_id(),
        lease_ms=lease_ms,
        clock=clock,
        allowed_tenants=bot.allowed_tenants,
        # A share's card reaching Teams posts the replies written while it waited, and is
        # updated if its codemark changed while it was being sent.
        # A notification that opened a 1:1 chat records the chat.
        on_sent=_both(
            CardSentHook(threads, clock, services.card_updates) if threads is not None else None,
            notifications.on_sent if notifications is not None else None,
        ),
        # An update Teams answers 404 marks the card deleted; a notification answered 403/404
        # marks its person unreachable.
        on_failed=_both(
            services.card_updates.on_failed if services.card_updates is not None else None,
            notifications.on_failed if notifications is not None else None,
        ),
        # Commits in other processes wake it at once (PostgreSQL); SQLite: its poll only.
        wakeups=(
            None if is_sqlite(config.database_url) else OutboxNotifications(config.database_url)
        ),
    )
    units.on_queued = delivery.wake
    return Runtime(
        services=services,
        delivery_settings=delivery_settings,
        bot_settings=bot,
        connector=connector,
        verifier=InboundVerifier(
            SigningKeys(http, bot.openid_metadata_url), app_id=bot.app_id, issuer=bot.token_issuer
        ),
        bot=BotRouter(
            services,
            connector,
            BotOptions(public_url=config.public_api_url, bot_app_id=bot.app_id),
        ),
        delivery=delivery,
        notifier=(
            Notifier(units, notifications, clock=clock) if notifications is not None else None
        ),
    )
