"""POSTing activities to a bot the way Teams does, and what came back."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from teams_emulator.clock import Clock
from teams_emulator.entities import BotApp
from teams_emulator.tokens import ChannelTokens
from teams_emulator.transcript import Transcript

USER_AGENT = "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)"


@dataclass
class BotResponse:
    """The bot's answer to one activity (status 0 when there was no HTTP answer at all)."""

    status: int
    body: Any
    headers: dict[str, str]
    elapsed: float
    activity: dict[str, Any]
    error: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return 200 <= self.status < 300

    @property
    def activity_id(self) -> str:
        """The id of the activity that was sent."""
        return str(self.activity.get("id", ""))

    @property
    def conversation_id(self) -> str:
        """The conversation id of the activity that was sent (a thread id in channels)."""
        return str(self.activity.get("conversation", {}).get("id", ""))


class BotDelivery:
    """Sends signed activities to bot endpoints and records each exchange."""

    def __init__(
        self,
        tokens: ChannelTokens,
        transcript: Transcript,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.tokens = tokens
        self.transcript = transcript
        self.clock = clock
        self.timeout = timeout
        self._client = client
        self._own_client = client is None

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client (created on first use unless one was given)."""
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    def headers_for(
        self, bot: BotApp, activity: dict[str, Any], token: str | None
    ) -> dict[str, str]:
        """Teams' request headers: bearer channel token, content type, `x-ms-*` context."""
        if token is None:
            token = self.tokens.mint(bot.app_id, str(activity["serviceUrl"]))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "x-ms-conversation-id": str(activity.get("conversation", {}).get("id", "")),
            "x-ms-tenant-id": str(activity.get("conversation", {}).get("tenantId", "")),
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def post(
        self,
        bot: BotApp,
        activity: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - an httpx timeout, passed through
    ) -> BotResponse:
        """POST one activity to the bot's messaging endpoint.

        `token=None` mints a correct channel token; `token=""` sends no Authorization header;
        any other string is sent as the bearer token.
        """
        if not bot.endpoint:
            raise ValueError(f"bot {bot.app_id} has no messaging endpoint")
        sent = self.headers_for(bot, activity, token)
        sent.update(headers or {})
        body = json.dumps(activity).encode()
        started = time.perf_counter()
        status, response_headers, raw, error = 0, {}, b"", None
        try:
            response = await self.client.post(
                bot.endpoint, content=body, headers=sent, timeout=timeout or self.timeout
            )
            status, response_headers, raw = (
                response.status_code,
                dict(response.headers),
                response.content,
            )
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        self.transcript.record(
            time=self.clock(),
            direction="teams_to_bot",
            route=str(activity.get("name") or activity.get("type")),
            method="POST",
            url=bot.endpoint,
            raw_request_headers=sent,
            request_body=body,
            status=status or None,
            raw_response_headers=response_headers,
            response_body=raw,
            duration=elapsed,
            error=error,
        )
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return BotResponse(status, parsed, response_headers, elapsed, activity, error, sent)
