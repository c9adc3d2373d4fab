"""A record of every HTTP exchange, both ways, for tests to assert on.

`bot_to_teams`: calls the bot (or any client) made to the emulator (token, keys, connector).
`teams_to_bot`: activities the emulator POSTed to a bot endpoint, with the bot's answer.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["bot_to_teams", "teams_to_bot"]
Headers = Mapping[str, str] | Sequence[tuple[bytes, bytes]]
"""Headers as a dict, or as the raw ASGI pairs (decoded only when someone looks)."""


def _headers(raw: Headers) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return dict(raw)
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


@dataclass
class Exchange:
    """One request and its response (or the error that replaced the response)."""

    seq: int
    time: float
    direction: Direction
    route: str
    method: str
    url: str
    raw_request_headers: Headers
    request_body: bytes
    status: int | None = None
    raw_response_headers: Headers = field(default_factory=dict)
    response_body: bytes = b""
    duration: float = 0.0
    error: str | None = None

    @property
    def request_headers(self) -> dict[str, str]:
        """Request headers (names as sent; ASGI gives them lower-case)."""
        return _headers(self.raw_request_headers)

    @property
    def response_headers(self) -> dict[str, str]:
        """Response headers."""
        return _headers(self.raw_response_headers)

    @property
    def request_json(self) -> Any:
        """The request body parsed as JSON, or None."""
        return _json_or_none(self.request_body)

    @property
    def response_json(self) -> Any:
        """The response body parsed as JSON, or None."""
        return _json_or_none(self.response_body)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe view (bodies as JSON when they parse, else as text)."""

        def body(raw: bytes, parsed: Any) -> Any:
            return parsed if parsed is not None else raw.decode("utf-8", "replace")

        return {
            "seq": self.seq,
            "time": self.time,
            "direction": self.direction,
            "route": self.route,
            "method": self.method,
            "url": self.url,
            "requestHeaders": self.request_headers,
            "requestBody": body(self.request_body, self.request_json),
            "status": self.status,
            "responseHeaders": self.response_headers,
            "responseBody": body(self.response_body, self.response_json),
            "duration": self.duration,
            "error": self.error,
        }


class Transcript:
    """The last `limit` exchanges, oldest first."""

    def __init__(self, limit: int = 10_000) -> None:
        self._items: deque[Exchange] = deque(maxlen=limit)
        self._seq = itertools.count(1)
        self.enabled = True

    def record(self, **fields: Any) -> Exchange | None:
        """Append an exchange (fields as in :class:`Exchange`, without `seq`)."""
        if not self.enabled:
            return None
        exchange = Exchange(seq=next(self._seq), **fields)
        self._items.append(exchange)
        return exchange

    def query(
        self,
        *,
        direction: Direction | None = None,
        route: str | None = None,
        method: str | None = None,
        status: int | None = None,
        since: int = 0,
    ) -> list[Exchange]:
        """Exchanges matching every given filter; `since` keeps those with `seq > since`."""
        return [
            e
            for e in self._items
            if e.seq > since
            and (direction is None or e.direction == direction)
            and (route is None or e.route == route)
            and (method is None or e.method == method.upper())
            and (status is None or e.status == status)
        ]

    def last(self) -> Exchange | None:
        """The newest exchange."""
        return self._items[-1] if self._items else None

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
