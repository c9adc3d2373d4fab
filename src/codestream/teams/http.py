"""The HTTP client for calls to Microsoft: the Bot Connector, the token endpoint, OpenID keys.

The callers speak httpx (tests hand them an httpx client bound to the emulator's app); the
connections underneath are aiohttp's. httpx's own pool checks every idle connection with system
calls before each request, so a worker with 50 calls in flight spent about 2 ms of CPU per call
in the pool alone; aiohttp's pool hands out an idle connection without looking at the others.
On the same machine, 4,000 POSTs with 50 in flight cost 2.0 ms of CPU each through httpx's pool
and 0.5 ms through this transport (bench/outbound scenario (c) was CPU-bound on it).

What httpx did and this keeps: HTTPS_PROXY, HTTP_PROXY and NO_PROXY from the environment (read
when the client is made), the certificate store httpx trusts (`httpx.create_ssl_context`), the
request's timeouts, no redirects followed, errors raised as httpx's (a caller catches
`httpx.HTTPError`). Bodies are read whole: Microsoft's answers are small JSON documents.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import httpx

KEEPALIVE_S = 5.0
"""How long an idle connection is kept for the next call (httpx's default too)."""
MAX_CONNECTIONS = 100
"""Connections open at once, all hosts together (httpx's default too)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read whole."""

    status: int
    headers: Mapping[str, str]
    """Case-insensitive."""
    content: bytes
    reason: str = ""

    @property
    def is_success(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")


class Calls(Protocol):
    """How a caller of Microsoft's APIs sends one request and reads its answer whole; raises
    `httpx.HTTPError` when there is no answer."""

    async def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None,
        wait_s: float,
    ) -> Answer: ...


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections are an aiohttp session's (made on first use, in the
    running event loop; closed with the client). `send` is the same without httpx's request and
    response objects, for the connector's calls (`calls_of`)."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context if ssl_context is not None else httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None
        self._proxies = urllib.request.getproxies_environment()

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S, ssl=self._ssl
            )
            # No cookie jar: no caller here relies on one. The proxy variables are read once
            # (`_proxy_for`), not by aiohttp's trust_env, which reads them and ~/.netrc again
            # on every request.
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | Sequence[tuple[str, str]],
        content: bytes | None,
        wait_s: float | None = None,
        timeouts: Mapping[str, float | None] | None = None,
        decompress: bool = True,
    ) -> Answer:
        """One request through the session, its answer read whole (`decompress`: the body
        decoded by its Content-Encoding); httpx's errors when there is no answer. `wait_s`
        bounds each phase, or `timeouts` each by httpx's names (connect, read, pool)."""
        phases = timeouts if timeouts is not None else {}
        try:
            async with self._open_session().request(
                method,
                url,
                headers=headers,
                data=content or None,
                allow_redirects=False,
                proxy=self._proxy_for(url),
                auto_decompress=decompress,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=phases.get("pool", wait_s),
                    sock_connect=phases.get("connect", wait_s),
                    sock_read=phases.get("read", wait_s),
                ),
            ) as response:
                body = await response.read()
                headers_of: Any = response.headers if decompress else response.raw_headers
                return Answer(response.status, headers_of, body, response.reason or "")
        except Exception as exc:
            raise _as_httpx_error(exc) from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request through the session and read its answer whole (httpx decodes the
        body by its Content-Encoding)."""
        answer = await self.send(
            request.method,
            str(request.url),
            headers=[
                (name, value)
                for name, value in request.headers.multi_items()
                if name.lower() != "transfer-encoding"  # whole: aiohttp sets its length
            ],
            content=await request.aread(),
            timeouts=request.extensions.get("timeout", {}),
            decompress=False,
        )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode("latin-1", "replace")
        return httpx.Response(
            answer.status,
            headers=answer.headers,  # the raw header pairs
            content=answer.content,
            request=request,
            extensions=extensions,
        )

    def _proxy_for(self, url: str) -> str | None:
        """The proxy from HTTP_PROXY / HTTPS_PROXY for this URL, unless NO_PROXY names its host
        (the standard library's reading of the variables, as httpx's)."""
        if not self._proxies:
            return None
        parts = urlsplit(url)
        proxy = self._proxies.get(parts.scheme)
        if proxy is None or urllib.request.proxy_bypass(parts.hostname or ""):
            return None
        return proxy

    async def aclose(self) -> None:
        """Close the session's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class OutboundClient(httpx.AsyncClient):
    """`outbound_client()`'s client: httpx over an AiohttpTransport, which `calls_of` uses
    directly."""

    def __init__(self, timeout: float) -> None:
        self.direct = AiohttpTransport()
        super().__init__(timeout=timeout, transport=self.direct)


class _ThroughHttpx:
    """Calls through any httpx client (tests hand the connector one bound to an app)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None,
        wait_s: float,
    ) -> Answer:
        response = await self._http.request(
            method, url, headers=headers, content=content, timeout=wait_s
        )
        return Answer(
            response.status_code, response.headers, response.content, response.reason_phrase
        )


def calls_of(http: httpx.AsyncClient) -> Calls:
    """How to make calls with this client: straight through the aiohttp session of an
    `outbound_client()` (httpx's request and response objects cost a quarter of a millisecond
    of CPU per call, as much as the call itself), else through httpx."""
    if isinstance(http, OutboundClient):
        return functools.partial(http.direct.send, decompress=True)
    return _ThroughHttpx(http)


def _as_httpx_error(exc: Exception, request: httpx.Request | None = None) -> Exception:
    """aiohttp's error as the httpx error a caller of httpx expects (others unchanged)."""
    message = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message, request=request)
    if isinstance(exc, asyncio.TimeoutError):  # a read timed out (aiohttp's ServerTimeoutError)
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.ReadError(message, request=request)
    if isinstance(exc, aiohttp.ClientError):  # the server closed the connection, mostly
        return httpx.RemoteProtocolError(message, request=request)
    return exc


def outbound_client(timeout: float = 30.0) -> httpx.AsyncClient:
    """The client for calls to Microsoft (close it, or use it in `async with`)."""
    return OutboundClient(timeout)
