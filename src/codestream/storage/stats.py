"""Read-only numbers about the delivery outbox, for `codestream status` and `codestream doctor`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from codestream.config import mask_url_password
from codestream.domain.outbox import DeliveryStatus
from codestream.errors import DatabaseUnreachable
from codestream.storage.engine import is_sqlite, sync_connection
from codestream.storage.tables import outbox

__all__ = [
    "DatabaseUnavailable",
    "Failure",
    "oldest_failure",
    "oldest_waiting",
    "outbox_depth",
]

_DONE = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value)


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
