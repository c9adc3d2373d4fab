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
import ssl
import urllib.request
from typing import Any

import aiohttp
import httpx

KEEPALIVE_S = 5.0
"""How long an idle connection is kept for the next call (httpx's default too)."""
MAX_CONNECTIONS = 100
"""Connections open at once, all hosts together (httpx's default too)."""


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections are an aiohttp session's (made on first use, in the
    running event loop; closed with the client)."""

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
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,  # httpx decodes the body by its Content-Encoding
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request through the session and read its answer whole."""
        session = self._open_session()
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        headers = [
            (name, value)
            for name, value in request.headers.multi_items()
            if name.lower() != "transfer-encoding"  # the body is whole: aiohttp sets its length
        ]
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                proxy=self._proxy_for(request.url),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeouts.get("pool"),
                    sock_connect=timeouts.get("connect"),
                    sock_read=timeouts.get("read"),
                ),
            ) as response:
                content = await response.read()
                status, reason = response.status, response.reason
                raw_headers: Any = response.raw_headers
        except Exception as exc:
            raise _as_httpx_error(exc, request) from exc
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if reason:
            extensions["reason_phrase"] = reason.encode("latin-1", "replace")
        return httpx.Response(
            status, headers=raw_headers, content=content, request=request, extensions=extensions
        )

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy from HTTP_PROXY / HTTPS_PROXY for this URL, unless NO_PROXY names its host
        (the standard library's reading of the variables, as httpx's)."""
        if not self._proxies:
            return None
        proxy = self._proxies.get(url.scheme)
        if proxy is None or urllib.request.proxy_bypass(url.host):
            return None
        return proxy

    async def aclose(self) -> None:
        """Close the session's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _as_httpx_error(exc: Exception, request: httpx.Request) -> Exception:
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
    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport())
