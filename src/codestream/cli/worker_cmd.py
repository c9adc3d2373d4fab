"""`codestream worker`: a delivery worker process (run as many as you like, anywhere)."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from codestream.cli.output import fail
from codestream.cli.runtime import load
from codestream.config import Config
from codestream.errors import CodeStreamError


def register(app: typer.Typer) -> None:
    """Attach `worker`."""
    app.command(name="worker")(worker)


def worker(
    ctx: typer.Context,
    worker_id: str | None = typer.Option(
        None, "--id", help="Name of this worker in leases (default host:pid:random)."
    ),
    lease_seconds: float = typer.Option(
        15.0,
        min=1.0,
        help="How long a claimed row stays ours without renewal (renewed every third of it "
        "while we send): how soon another worker resumes a crashed worker's conversation.",
    ),
    batch: int = typer.Option(50, min=1, max=500, help="Rows claimed at a time."),
    idle_sleep: float = typer.Option(
        1.0, min=0.01, help="Seconds between looks at an empty outbox."
    ),
) -> None:
    """Deliver the outbox to Microsoft Teams until SIGTERM or SIGINT.

    On a signal it finishes the sends in flight, gives back the rows it claimed and exits 0.
    """
    from codestream.cli.process_setup import log_format, share_metrics

    config = load(ctx)
    share_metrics(config)  # before prometheus-client is imported (by the connector)
    from codestream.observability.logs import configure_logging
    from codestream.web.serving import new_event_loop

    configure_logging(log_format(config))
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(_run(config, worker_id, int(lease_seconds * 1000), batch, idle_sleep))
    except CodeStreamError as exc:
        fail(exc.message)


async def _run(
    config: Config, worker_id: str | None, lease_ms: int, batch: int, idle_sleep: float
) -> None:
    from codestream.domain.clock import system_clock
    from codestream.storage.credential_waits import retry_credential_waits
    from codestream.storage.engine import create_engine
    from codestream.storage.migrate import upgrade_database
    from codestream.teams.http import outbound_client
    from codestream.teams.settings import bot_settings
    from codestream.teams.tokens import TOKEN_ERROR_PREFIXES
    from codestream.wiring import build_runtime

    if bot_settings(config.msteams) is None:
        fail("no Teams bot is configured (integrations.msteams); there is nothing to deliver to")
    await asyncio.to_thread(upgrade_database, config.database_url)
    engine = create_engine(config.database_url, pool_size=4)
    retried = await retry_credential_waits(engine, system_clock(), TOKEN_ERROR_PREFIXES)
    log = logging.getLogger("codestream.delivery")  # in the format of logging.format
    if retried:  # the config may have been fixed since they failed
        log.info("%d outbox rows that waited on a token error are retried now", retried)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with outbound_client() as http:
            runtime = build_runtime(config, engine, http, worker_id=worker_id, lease_ms=lease_ms)
            delivery, notifier = runtime.delivery, runtime.notifier
            assert delivery is not None  # a bot is configured
            name = delivery.worker_id
            log.info("delivery worker %s started", name)
            await asyncio.gather(
                delivery.run_forever(stop, idle_sleep=idle_sleep, limit=batch),
                *([notifier.run_forever(stop)] if notifier is not None else []),
            )
            stats = delivery.stats
            log.info(
                "delivery worker %s stopped: %d sent, %d retried, %d failed; %d looks at the "
                "outbox claimed %d rows, postponed %d for pacing, left %d tenants to others",
                name,
                stats.sent,
                stats.retried,
                stats.failed,
                stats.looks,
                stats.claimed,
                stats.postponed,
                stats.tenants_busy,
            )
    finally:
        await engine.dispose()
