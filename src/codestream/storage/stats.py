"""Read-only numbers about the delivery outbox, for `codestream status`, `codestream doctor` and
the server's `/metrics` (`outbox_snapshot`, on the server's async engine)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import mask_url_password
from codestream.domain.outbox import DeliveryStatus
from codestream.errors import DatabaseUnreachable
from codestream.storage.engine import is_sqlite, sync_connection
from codestream.storage.tables import outbox

__all__ = [
    "ChannelDelivery",
    "DatabaseUnavailable",
    "Failure",
    "LastError",
    "OutboxSummary",
    "channel_deliveries",
    "oldest_failure",
    "oldest_waiting",
    "outbox_depth",
    "outbox_snapshot",
    "outbox_summary",
]

_DONE = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value)
_WAITING = (
    DeliveryStatus.QUEUED.value,
    DeliveryStatus.RETRYING.value,
    DeliveryStatus.SENDING.value,
)


class DatabaseUnavailable(Exception):
    """The database could not be read; the message is safe to print (no password in it)."""


@contextmanager
def _connect(url: str) -> Iterator[sa.Connection]:
    """A read connection; never creates a missing SQLite file. Raises `DatabaseUnavailable`."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            raise DatabaseUnavailable(f"no database file at {database} (the server creates it)")
    try:
        with sync_connection(url) as conn:
            yield conn
    except DatabaseUnreachable as exc:
        raise DatabaseUnavailable(exc.problem) from None
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        raise DatabaseUnavailable(
            f"cannot read {mask_url_password(url)}: {mask_url_password(reason)}"
        ) from None


@dataclass(frozen=True)
class Failure:
    """A delivery that gave up: when it was enqueued and the last error the worker saw."""

    id: int
    kind: str
    created_at: int  # ms since the epoch
    modified_at: int
    last_error: str | None
    failed_count: int  # how many deliveries have failed since the time asked


def outbox_depth(url: str) -> int:
    """How many outbox rows are still on their way (neither sent nor failed)."""
    with _connect(url) as conn:
        query = sa.select(sa.func.count()).where(outbox.c.status.not_in(_DONE))
        return int(conn.execute(query).scalar_one())


def oldest_waiting(url: str) -> int | None:
    """When the oldest row still on its way was enqueued (ms since the epoch), or None."""
    with _connect(url) as conn:
        query = sa.select(sa.func.min(outbox.c.created_at)).where(outbox.c.status.not_in(_DONE))
        value = conn.execute(query).scalar_one()
        return int(value) if value is not None else None


def oldest_failure(url: str, *, since: int = 0) -> Failure | None:
    """The oldest delivery that failed for good at `since` (ms since the epoch) or later, with
    the count of those failures; None if none."""
    failed = sa.and_(outbox.c.status == DeliveryStatus.FAILED.value, outbox.c.modified_at >= since)
    with _connect(url) as conn:
        count = int(conn.execute(sa.select(sa.func.count()).where(failed)).scalar_one())
        if count == 0:
            return None
        row = conn.execute(
            sa.select(
                outbox.c.id,
                outbox.c.kind,
                outbox.c.created_at,
                outbox.c.modified_at,
                outbox.c.last_error,
            )
            .where(failed)
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(1)
        ).one()
        return Failure(
            id=row.id,
            kind=row.kind,
            created_at=row.created_at,
            modified_at=row.modified_at,
            last_error=row.last_error,
            failed_count=count,
        )


@dataclass(frozen=True)
class LastError:
    """The most recent error of a row still waiting (retrying) or given up (failed)."""

    id: int
    kind: str
    status: str
    error: str
    at: int  # ms since the epoch: when the error was recorded
    next_attempt_at: int | None  # None when the row has failed for good


@dataclass(frozen=True)
class OutboxSummary:
    """The outbox at one moment: rows by status and kind, the oldest waiting, the last error."""

    rows: dict[tuple[str, str], int]  # (status, kind) -> rows
    oldest_waiting_at: int | None  # ms since the epoch
    last_error: LastError | None

    def by_status(self) -> dict[str, int]:
        """Rows per status, every status present (0 when none)."""
        counts = dict.fromkeys((s.value for s in DeliveryStatus), 0)
        for (status, _kind), count in self.rows.items():
            counts[status] = counts.get(status, 0) + count
        return counts


def _summary_queries() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    counts = sa.select(outbox.c.status, outbox.c.kind, sa.func.count()).group_by(
        outbox.c.status, outbox.c.kind
    )
    oldest = sa.select(sa.func.min(outbox.c.created_at)).where(outbox.c.status.in_(_WAITING))
    last = (
        sa.select(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.status,
            outbox.c.last_error,
            outbox.c.modified_at,
            outbox.c.next_attempt_at,
        )
        .where(
            outbox.c.last_error.is_not(None),
            outbox.c.status.in_((DeliveryStatus.RETRYING.value, DeliveryStatus.FAILED.value)),
        )
        .order_by(outbox.c.modified_at.desc(), outbox.c.id.desc())
        .limit(1)
    )
    return counts, oldest, last


def _summary(counts: Any, oldest: Any, last: Any) -> OutboxSummary:
    error = None
    if last is not None:
        retrying = last.status == DeliveryStatus.RETRYING.value
        error = LastError(
            id=last.id,
            kind=last.kind,
            status=last.status,
            error=last.last_error,
            at=last.modified_at,
            next_attempt_at=last.next_attempt_at if retrying else None,
        )
    return OutboxSummary(
        rows={(status, kind): int(count) for status, kind, count in counts},
        oldest_waiting_at=int(oldest) if oldest is not None else None,
        last_error=error,
    )


def outbox_summary(url: str) -> OutboxSummary:
    """The outbox's summary, read on a short-lived connection (the CLI)."""
    counts, oldest, last = _summary_queries()
    with _connect(url) as conn:
        return _summary(
            conn.execute(counts).all(),
            conn.execute(oldest).scalar_one(),
            conn.execute(last).one_or_none(),
        )


async def outbox_snapshot(engine: AsyncEngine) -> OutboxSummary:
    """The outbox's summary on the server's engine (read at each scrape of `/metrics`)."""
    counts, oldest, last = _summary_queries()
    async with engine.connect() as conn:
        return _summary(
            (await conn.execute(counts)).all(),
            (await conn.execute(oldest)).scalar_one(),
            (await conn.execute(last)).one_or_none(),
        )


@dataclass(frozen=True)
class ChannelDelivery:
    """How messages to one channel (its posts and the replies in its threads) fared lately."""

    last_sent_at: int | None  # ms since the epoch; None: nothing sent in the last 7 days
    last_error: str | None
    last_error_at: int | None
    waiting: int


async def channel_deliveries(
    engine: AsyncEngine, channel_ids: Sequence[str]
) -> dict[str, ChannelDelivery]:
    """Per channel: the last message sent, the newest error, the messages still on their way."""
    found: dict[str, ChannelDelivery] = {}
    async with engine.connect() as conn:
        for channel_id in channel_ids:
            in_channel = sa.or_(
                outbox.c.conversation_id == channel_id,
                outbox.c.conversation_id.startswith(f"{channel_id};messageid=", autoescape=True),
            )
            sent = (
                await conn.execute(
                    sa.select(sa.func.max(outbox.c.sent_at)).where(
                        in_channel, outbox.c.status == DeliveryStatus.SENT.value
                    )
                )
            ).scalar_one()
            waiting = (
                await conn.execute(
                    sa.select(sa.func.count()).where(in_channel, outbox.c.status.in_(_WAITING))
                )
            ).scalar_one()
            error = (
                await conn.execute(
                    sa.select(outbox.c.last_error, outbox.c.modified_at)
                    .where(
                        in_channel,
                        outbox.c.last_error.is_not(None),
                        outbox.c.status.in_(
                            (DeliveryStatus.RETRYING.value, DeliveryStatus.FAILED.value)
                        ),
                    )
                    .order_by(outbox.c.modified_at.desc())
                    .limit(1)
                )
            ).one_or_none()
            found[channel_id] = ChannelDelivery(
                last_sent_at=int(sent) if sent is not None else None,
                last_error=error.last_error if error is not None else None,
                last_error_at=int(error.modified_at) if error is not None else None,
                waiting=int(waiting),
            )
    return found
