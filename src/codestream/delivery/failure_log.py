"""The log lines of failed sends: each failed attempt once, with its reason and its next attempt;
a credential problem (the token endpoint refusing us, or out of reach) once per change.

A wrong bot secret fails every row the same way: one line says so, with the token endpoint's
AADSTS code and what it means (`teams/token_errors.py`, the words `codestream doctor` uses), and
the rows it holds back are not logged one by one. When the problem changes (another code) it is
logged again; when a send succeeds, one line says sending resumed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from codestream.domain.outbox import OutboxItem
from codestream.teams.connector import ConnectorError

log = logging.getLogger("codestream.delivery")

RESTART_HINT = "after fixing the config, `codestream restart` retries the waiting rows at once"


def _clock_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S UTC")


class FailureLog:
    """One per worker: remembers the credential problem it last logged."""

    def __init__(self) -> None:
        self._credential_problem: str | None = None

    def attempt_failed(
        self, item: OutboxItem, exc: ConnectorError, reason: str, retry_at: int | None, now: int
    ) -> None:
        """Log a failed attempt of `item` (`retry_at` None: it failed for good)."""
        attempt = item.attempts + 1
        extra = {
            "outbox_row": item.id,
            "outbox_kind": item.kind,
            "operation": item.operation.value,
            "attempt": attempt,
            "request_id": item.request_id,
            "http_status": exc.status,
            "error_code": exc.code,
            "next_attempt_at": (
                datetime.fromtimestamp(retry_at / 1000, UTC).isoformat(timespec="seconds")
                if retry_at is not None
                else None
            ),
        }
        if exc.token_error and retry_at is not None:
            if self._credential_problem == reason:
                return
            self._credential_problem = reason
            log.error(
                "cannot get a Bot Connector token, so nothing is sent to Teams: %s. Rows wait "
                "and retry with backoff (outbox row %d next at %s); %s",
                reason,
                item.id,
                _clock_time(retry_at),
                RESTART_HINT,
                extra=extra,
            )
            return
        if retry_at is not None:
            log.warning(
                "outbox row %d (%s, %s) attempt %d failed: %s; next attempt at %s (in %.1f s)",
                item.id,
                item.kind,
                item.operation.value,
                attempt,
                reason,
                _clock_time(retry_at),
                (retry_at - now) / 1000,
                extra=extra,
            )
        else:
            log.warning(
                "outbox row %d (%s, %s) failed after %d attempts, not retried: %s",
                item.id,
                item.kind,
                item.operation.value,
                attempt,
                reason,
                extra=extra,
            )

    def sent(self) -> None:
        """A send succeeded: a credential problem logged before is over."""
        if self._credential_problem is not None:
            self._credential_problem = None
            log.info("the Bot Connector token works again; sending to Teams resumed")
