"""The pipeline every emulated Microsoft route runs through: faults, then the handler, then the
transcript. Also the Teams error envelope and the "dropped connection" trick.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from teams_emulator.emulator import Emulator

Handler = Callable[[Request, bytes], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]

_operation_ids = itertools.count(0x10000000)


class ConnectionDropped(Exception):
    """Raised by a route told to drop the connection; `DropConnectionMiddleware` acts on it."""


def teams_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The Bot Connector error envelope: `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers)


def _wire_url(scope: Scope) -> str:
    """The URL as the client sent it (path not percent-decoded)."""
    raw = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    path = raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{path}"


def recorded(emulator: Emulator, route: str, handler: Handler) -> Endpoint:
    """Wrap a handler with fault injection and transcript recording."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        started = time.perf_counter()
        error: str | None = None
        response: Response | None = None
        try:
            rule = emulator.faults.match(route, request.method)
            if rule is not None and rule.latency > 0:
                await asyncio.sleep(rule.latency)
            if rule is not None and rule.drop:
                error = "connection dropped (injected)"
                raise ConnectionDropped(route)
            if rule is not None and rule.status is not None:
                response = JSONResponse(rule.error_body(), rule.status, rule.headers)
            else:
                response = await handler(request, body)
            operation = b"%x" % next(_operation_ids)
            response.raw_headers.append((b"x-correlating-operationid", operation))
            return response
        finally:
            emulator.transcript.record(
                time=emulator.clock(),
                direction="bot_to_teams",
                route=route,
                method=request.method,
                url=_wire_url(request.scope),
                raw_request_headers=request.scope["headers"],
                request_body=body,
                status=None if response is None else response.status_code,
                raw_response_headers=[] if response is None else response.raw_headers,
                response_body=b"" if response is None else bytes(response.body),
                duration=time.perf_counter() - started,
                error=error,
            )

    return endpoint


class DropConnectionMiddleware:
    """Turns `ConnectionDropped` into a closed connection with no HTTP response.

    uvicorn marks the response as started, then refuses the malformed header before writing a
    byte; when the exception reaches it, it closes the socket instead of answering 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on `ConnectionDropped`, close the connection without answering."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            poison: Message = {
                "type": "http.response.start",
                "status": 500,
                "headers": [(b"x-emulator-drop", b"\r\n")],
            }
            with contextlib.suppress(Exception):  # uvicorn rejects the header: what we want
                await send(poison)
            raise


class _HideDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def quiet_dropped_connections() -> None:
    """Keep uvicorn from logging a traceback for each injected dropped connection."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())


def json_body(body: bytes) -> Any:
    """Parse a request body as JSON; None if it is not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
