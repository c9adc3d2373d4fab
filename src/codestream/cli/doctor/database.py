"""Doctor checks of the database: reachable and migrated; the outbox's depth and failures."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from codestream.cli.doctor.report import Finding
from codestream.config import Config, mask_url_password

__all__ = ["check_database", "check_outbox"]

DATABASE = "database"
OUTBOX = "outbox"
STUCK_AFTER_MS: Final = 10 * 60 * 1000


def _where(config: Config) -> str:
    url = config.database_url
    return url.removeprefix("sqlite:///") if url.startswith("sqlite") else mask_url_password(url)


def _check_database(config: Config) -> Finding:
    from codestream.errors import DatabaseUnreachable
    from codestream.storage.migrate import current_revision, head_revision

    where = _where(config)
    if config.database_url.startswith("sqlite") and not Path(where).exists():
        return Finding.fail(
            DATABASE,
            f"no SQLite database at {where} yet",
            "codestream start (the API server creates and migrates it), or codestream db upgrade",
        )
    try:
        current = current_revision(config.database_url)
    except DatabaseUnreachable as exc:
        return Finding.fail(DATABASE, exc.problem, exc.remedy)
    head = head_revision()
    if current != head:
        return Finding.fail(
            DATABASE,
            f"{where} is at schema revision {current or 'none'}, this version needs {head}",
            "codestream db upgrade (the API server also migrates when it starts)",
        )
    return Finding.ok(DATABASE, f"{where} is reachable and migrated (revision {head})")


async def check_database(config: Config) -> Finding:
    """The database answers and is at the newest schema revision."""
    return await asyncio.to_thread(_check_database, config)


def _ago(ms: int) -> str:
    minutes = max(0, int(time.time() * 1000) - ms) // 60000
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


def _check_outbox(config: Config) -> Finding:
    from codestream.domain.outbox import FINISHED_KEPT_MS
    from codestream.storage.stats import (
        DatabaseUnavailable,
        oldest_failure,
        oldest_waiting,
        outbox_depth,
    )

    try:
        waiting = outbox_depth(config.database_url)
        oldest = oldest_waiting(config.database_url)
        failure = oldest_failure(
            config.database_url, since=int(time.time() * 1000) - FINISHED_KEPT_MS
        )
    except DatabaseUnavailable as exc:
        return Finding.skipped(OUTBOX, str(exc))
    depth = f"{waiting} waiting" + (f" (oldest queued {_ago(oldest)})" if oldest else "")
    if failure is not None:
        when = datetime.fromtimestamp(failure.created_at / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        error = (failure.last_error or "no error recorded")[:200]
        return Finding.warn(
            OUTBOX,
            f"{depth}; {failure.failed_count} failed for good in the last 7 days, the oldest"
            f" from {when} UTC: {error}",
            "fix its cause (the checks above; ~/.codestream/logs/worker.log); failed messages "
            "are not retried",
        )
    if oldest is not None and int(time.time() * 1000) - oldest > STUCK_AFTER_MS:
        return Finding.warn(
            OUTBOX,
            f"{depth}: nothing seems to deliver them",
            "codestream status shows whether the delivery worker runs; codestream start starts it",
        )
    return Finding.ok(OUTBOX, f"{depth}, no failed deliveries in the last 7 days")


async def check_outbox(config: Config) -> Finding:
    """How many messages wait for Teams, and the oldest that failed for good."""
    return await asyncio.to_thread(_check_outbox, config)
