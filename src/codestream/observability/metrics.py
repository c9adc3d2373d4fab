"""The Prometheus metrics every process records, and the one function per concern that records them.

Names follow Prometheus' conventions: the `codestream_` prefix, the unit in the name, `_total` on
counters. Counters and histograms live in prometheus-client's default registry; a process that
shares a multiprocess directory (`metrics.multiprocessDirectory`, set up by `codestream serve`
and `codestream worker` before this module is imported) writes them there, so the server's
`/metrics` sums the delivery workers' numbers with its own. The outbox gauges are read from the
database at scrape time (`web/metrics.py`), so they are the same whichever process answers.

Callers record through the functions below, one call site per concern: the endpoint's answer,
the connector's call, the token request, the worker's claim and leases, the HTTP middleware.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "activity_answered",
    "auth_refused",
    "connector_called",
    "http_request",
    "lease_lost",
    "rows_claimed",
    "token_requested",
]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)

ACTIVITIES = Counter(
    "codestream_bot_activities",
    "Activities the messaging endpoint answered, by activity type and HTTP status.",
    ["type", "status"],
)
AUTH_REFUSALS = Counter(
    "codestream_bot_auth_refusals",
    "Bot requests refused before the bot saw them, by reason.",
    ["reason"],
)
TURN_SECONDS = Histogram(
    "codestream_bot_turn_duration_seconds",
    "Time the bot took to handle one verified activity (its turn), by activity type.",
    ["type"],
    buckets=_LATENCY_BUCKETS,
)
CONNECTOR_CALLS = Counter(
    "codestream_teams_requests",
    "Calls to Teams' Bot Connector, by operation and outcome (ok, http_<status>, network, token).",
    ["operation", "outcome"],
)
CONNECTOR_SECONDS = Histogram(
    "codestream_teams_request_duration_seconds",
    "Time one call to the Bot Connector took (token excluded), by operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
RETRY_AFTER_SECONDS = Counter(
    "codestream_teams_retry_after_seconds",
    "Seconds Teams asked us to wait (Retry-After on its 429 answers).",
)
TOKEN_REQUESTS = Counter(
    "codestream_token_requests",
    "Requests for a Bot Connector token, by outcome (ok, refused, unreachable, invalid).",
    ["outcome"],
)
TOKEN_FAILURES = Counter(
    "codestream_token_failures",
    "Token requests the endpoint refused or could not answer, by error code (AADSTS..., "
    "or http_<status> / network when it gave none).",
    ["code"],
)
CLAIMS = Counter(
    "codestream_delivery_claims",
    "Claiming transactions of the delivery workers that found due rows.",
)
ROWS_CLAIMED = Counter(
    "codestream_delivery_rows_claimed",
    "Outbox rows the delivery workers claimed (each is one attempt to send).",
)
ROWS_POSTPONED = Counter(
    "codestream_delivery_rows_postponed",
    "Due outbox rows a claim left for later to keep within Teams' rate limits.",
)
LEASES_LOST = Counter(
    "codestream_delivery_leases_lost",
    "Claimed rows another worker took over while this one held them (its lease ran out).",
)
HTTP_REQUESTS = Counter(
    "codestream_http_requests",
    "HTTP requests served, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "codestream_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)


def activity_answered(activity_type: str, status: int, seconds: float | None) -> None:
    """The endpoint answered an activity with `status`; `seconds` is the bot's turn, if it ran."""
    kind = activity_type if activity_type in _ACTIVITY_TYPES else "other"
    ACTIVITIES.labels(kind, str(status)).inc()
    if seconds is not None:
        TURN_SECONDS.labels(kind).observe(seconds)


_ACTIVITY_TYPES = frozenset(
    {"message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "event"}
)


def auth_refused(reason: str) -> None:
    """The endpoint refused a request before the bot saw it (`reason` is a short fixed word)."""
    AUTH_REFUSALS.labels(reason).inc()


def connector_called(
    operation: str, outcome: str, seconds: float | None, retry_after: float | None = None
) -> None:
    """One call to the Bot Connector ended with `outcome`."""
    CONNECTOR_CALLS.labels(operation, outcome).inc()
    if seconds is not None:
        CONNECTOR_SECONDS.labels(operation).observe(seconds)
    if retry_after is not None:
        RETRY_AFTER_SECONDS.inc(retry_after)


def token_requested(outcome: str, code: str | None = None) -> None:
    """One request for a Bot Connector token ended with `outcome`; `code` says why it failed."""
    TOKEN_REQUESTS.labels(outcome).inc()
    if outcome != "ok":
        TOKEN_FAILURES.labels(code or outcome).inc()


def rows_claimed(claimed: int, postponed: int) -> None:
    """A worker's claiming transaction took `claimed` rows and left `postponed` for later."""
    CLAIMS.inc()
    ROWS_CLAIMED.inc(claimed)
    ROWS_POSTPONED.inc(postponed)


def lease_lost() -> None:
    """Another worker took over a row this one was sending."""
    LEASES_LOST.inc()


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request was answered."""
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_SECONDS.labels(route).observe(seconds)
