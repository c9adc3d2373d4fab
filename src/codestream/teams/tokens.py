"""Outbound tokens: client credentials from Entra, cached until 5 minutes before they expire."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from codestream.observability import metrics
from codestream.teams.settings import BotSettings
from codestream.teams.token_errors import explain_token_error

REFRESH_MARGIN = 300.0
TOKEN_TIMEOUT = 15.0
TOKEN_ERROR_PREFIXES = ("the token endpoint ", "cannot reach the token endpoint ")
"""How every TokenError's message starts: an outbox row whose last error starts so waits on our
credentials (or the token endpoint), not on Teams; a restart after a config fix retries it."""


class TokenError(Exception):
    """No token. `retriable` is False when Entra refused our credentials (fix the config)."""

    def __init__(self, message: str, *, retriable: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.code = code


@dataclass(frozen=True)
class _Cached:
    value: str
    refresh_at: float


class ConnectorTokens:
    """Tokens for the Bot Connector, one refresh at a time, shared by every caller."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: BotSettings,
        *,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._http = http
        self._settings = settings
        self._clock = clock
        self._margin = refresh_margin
        self._cached: _Cached | None = None
        self._lock = asyncio.Lock()
        self.requests_made = 0

    async def get(self) -> str:
        """A valid token, from the cache when it has more than the margin left."""
        cached = self._cached
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.value
        async with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.value
            self._cached = await self._request()
            return self._cached.value

    def invalidate(self, value: str) -> None:
        """Forget a token the connector refused, so the next `get` fetches a new one."""
        if self._cached is not None and self._cached.value == value:
            self._cached = None

    async def _request(self) -> _Cached:
        settings = self._settings
        self.requests_made += 1
        started = self._clock()
        try:
            response = await self._http.post(
                settings.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": settings.app_id,
                    "client_secret": settings.app_password.reveal(),
                    "scope": settings.cloud.scope,
                },
                timeout=TOKEN_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            metrics.token_requested("unreachable", "network")
            raise TokenError(
                f"cannot reach the token endpoint {settings.token_url}: {type(exc).__name__}",
                retriable=True,
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200:
            return self._refused(response.status_code, body if isinstance(body, dict) else {})
        token = body.get("access_token") if isinstance(body, dict) else None
        expires_in = body.get("expires_in", 3600) if isinstance(body, dict) else 3600
        if not isinstance(token, str) or not isinstance(expires_in, int | float | str):
            metrics.token_requested("invalid", "no_access_token")
            raise TokenError("the token endpoint answered without an access_token", retriable=True)
        lifetime = float(expires_in)
        metrics.token_requested("ok")
        return _Cached(value=token, refresh_at=started + max(lifetime - self._margin, lifetime / 2))

    def _refused(self, status: int, body: dict[str, object]) -> _Cached:
        description = str(body.get("error_description", "")).split("\r\n")[0][:300]
        codes = body.get("error_codes")
        code = f"AADSTS{codes[0]}" if isinstance(codes, list) and codes else None
        retriable = status >= 500 or status == 429
        metrics.token_requested("refused", code or f"http_{status}")
        explained = explain_token_error(code, self._settings.app_id, self._settings.token_authority)
        detail = explained if explained is not None else f"HTTP {status} {description}".strip()
        raise TokenError(
            f"the token endpoint refused our credentials: {detail}",
            retriable=retriable,
            code=code,
        )
