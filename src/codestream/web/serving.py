"""Serving the app with uvicorn, hardened against slow clients and secrets in the logs.

uvicorn bounds an idle keep-alive connection (5 s) but not the time a client takes to send a
request's head: a connection that sends nothing, or its headers a byte at a time, is held for as
long as the client likes, and enough of them exhaust the process (slowloris). `serve_app` adds:

- a deadline for each request head (`apiServer.headerTimeoutSeconds`), from the moment the
  connection is accepted or the first byte of a following request arrives; a connection whose
  head is overdue is closed. With TLS served directly the handshake gets the same deadline.
- a cap on open connections (`apiServer.maxConnections`): one more is answered 503 and closed
  before anything is read from it.
- the logging config of `observability/logs.py` (`logging.format`: text or JSON), whose filter
  on every handler (uvicorn's access log included) masks the values of query parameters that
  carry secrets (`state`, `code`, `token`, `password`, `secret`, ...).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from codestream.config import Config
from codestream.config.settings import value_of
from codestream.observability.logs import logging_config


@dataclass(frozen=True)
class ServerLimits:
    """`apiServer.headerTimeoutSeconds` and `apiServer.maxConnections`."""

    header_timeout: float
    max_connections: int

    @classmethod
    def from_config(cls, config: Config) -> ServerLimits:
        """Read them from the (validated) config document; absent keys take the defaults."""
        return cls(
            header_timeout=float(value_of(config.document, "apiServer.headerTimeoutSeconds")),
            max_connections=int(value_of(config.document, "apiServer.maxConnections")),
        )


_TOO_MANY_BODY = json.dumps(
    {"error": {"code": "too_many_connections", "message": "The server is busy; try again."}}
).encode()
TOO_MANY_CONNECTIONS = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"retry-after: 1\r\n"
    b"connection: close\r\n"
    b"content-length: " + str(len(_TOO_MANY_BODY)).encode() + b"\r\n\r\n" + _TOO_MANY_BODY
)


def guarded_protocol(base: type[asyncio.Protocol], limits: ServerLimits) -> type[asyncio.Protocol]:
    """A subclass of uvicorn's HTTP protocol class `base` (h11 or httptools) that enforces
    `limits`: the request-head deadline and the connection cap."""

    class GuardedHttpProtocol(base):  # type: ignore[misc, valid-type]
        """uvicorn's protocol, plus a deadline per request head and the connection cap."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_timer: asyncio.TimerHandle | None = None
            self._refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:
            if len(self.server_state.connections) >= limits.max_connections:
                self._refused = True  # never joins uvicorn's connections: nothing to undo
                transport.write(TOO_MANY_CONNECTIONS)
                transport.close()
                return
            super().connection_made(transport)
            self._await_head()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._head_timer is None and not self._in_request():
                self._await_head()  # the first bytes of a following request on this connection
            super().data_received(data)
            if self._in_request():
                self._stop_waiting()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            if not self._refused:
                super().connection_lost(exc)

        def _in_request(self) -> bool:
            cycle = self.cycle
            return cycle is not None and not cycle.response_complete

        def _await_head(self) -> None:
            self._stop_waiting()
            self._head_timer = self.loop.call_later(limits.header_timeout, self._head_overdue)

        def _stop_waiting(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_overdue(self) -> None:
            self._head_timer = None
            if not self._in_request() and not self.transport.is_closing():
                self.transport.close()

    return GuardedHttpProtocol


def _bound_tls_handshakes(loop: asyncio.AbstractEventLoop, seconds: float) -> None:
    """Make the TLS servers this loop creates give up on a handshake after `seconds`.

    uvicorn calls `loop.create_server(..., ssl=...)` without a handshake timeout (asyncio's and
    uvloop's default is 60 s, uncounted by the connection cap); this loop's `create_server`
    fills one in.
    """
    create_server = loop.create_server

    async def create_server_with_deadline(*args: Any, **kwargs: Any) -> asyncio.Server:
        if kwargs.get("ssl") is not None and kwargs.get("ssl_handshake_timeout") is None:
            kwargs["ssl_handshake_timeout"] = seconds
        return await create_server(*args, **kwargs)

    setattr(loop, "create_server", create_server_with_deadline)  # noqa: B010 - one instance only


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where installed (uvicorn[standard] brings it), else asyncio's: the
    server's and the delivery worker's loop. Its C transports cost a fraction of asyncio's
    per socket write."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def serve_app(
    app: Any,
    *,
    host: str,
    port: int,
    limits: ServerLimits,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    log_format: str = "text",
) -> None:
    """Serve `app` until SIGINT/SIGTERM with uvicorn, the limits and our logging config
    (`log_format`: text or json; secrets masked either way)."""
    import uvicorn
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        http=guarded_protocol(AutoHTTPProtocol, limits),
        log_config=logging_config(log_format),
        log_level="info",
        proxy_headers=True,
        server_header=False,
    )
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        _bound_tls_handshakes(runner.get_loop(), limits.header_timeout)
        runner.run(server.serve())
