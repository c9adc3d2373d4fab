"""`GET /metrics` (`metrics.path`) in Prometheus' text format, and the HTTP requests' metrics.

The counters and histograms come from prometheus-client's registry: this process's, or, when the
processes of this host share a multiprocess directory, every process's summed
(`MultiProcessCollector`). The outbox gauges are read from the database at each scrape, so they
are right whichever server answers and however many workers run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Protocol

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codestream.observability import metrics
from codestream.observability.context import new_request_id, reset_request_id, set_request_id


class OutboxNumbers(Protocol):
    """What the outbox gauges need (`storage.stats.OutboxSummary`)."""

    @property
    def rows(self) -> dict[tuple[str, str], int]:
        """Rows by (status, kind)."""
        ...

    @property
    def oldest_waiting_at(self) -> int | None:
        """When the oldest row still on its way was enqueued, ms since the epoch."""
        ...


OutboxReader = Callable[[], Awaitable[OutboxNumbers]]


class _OutboxGauges:
    """A one-scrape collector of the outbox's numbers."""

    def __init__(self, numbers: OutboxNumbers, now: float) -> None:
        self._numbers = numbers
        self._now = now

    def collect(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            "codestream_outbox_rows",
            "Outbox rows by status and kind (sent and failed rows are kept for 7 days).",
            labels=["status", "kind"],
        )
        for (status, kind), count in sorted(self._numbers.rows.items()):
            rows.add_metric([status, kind], count)
        yield rows
        oldest = self._numbers.oldest_waiting_at
        yield GaugeMetricFamily(
            "codestream_outbox_oldest_waiting_age_seconds",
            "Age of the oldest outbox row not yet sent or failed (0 when none waits).",
            value=max(0.0, self._now - oldest / 1000) if oldest is not None else 0.0,
        )


def _process_metrics() -> bytes:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def metrics_router(path: str, read_outbox: OutboxReader) -> APIRouter:
    """The route that serves the metrics at `path`."""
    router = APIRouter(include_in_schema=False)

    @router.get(path)
    async def prometheus_metrics() -> Response:
        numbers = await read_outbox()
        body = _process_metrics() + generate_latest(_OutboxGauges(numbers, time.time()))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


class HttpMetrics:
    """ASGI middleware: counts each HTTP request by its route's template (`/c/{id}`, never the
    raw path, so the label set stays small), method and status, and times it. Each request runs
    under a new request id (`observability/context.py`): the outbox rows it queues (a share)
    and its log lines carry it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        token = set_request_id(new_request_id())
        try:
            await self.app(scope, receive, record_status)
        finally:
            reset_request_id(token)
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.http_request(route, scope["method"], status, time.perf_counter() - started)
