"""Fault injection: chosen routes fail, slow down or drop the connection, for N calls or a while.

A rule matches a route name (see `connector.ROUTES`, `login.ROUTES`) or `*`, optionally a method.
The first live matching rule wins. `status` answers at once with that status and a Teams-shaped
error; `latency` sleeps first (alone it only slows the real answer); `drop` closes the connection
without an HTTP response.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

from teams_emulator.clock import Clock

ERROR_CODES = {
    400: ("BadArgument", "The request is invalid."),
    401: ("BotNotRegistered", "The bot is not registered."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Conflict: another operation is in progress."),
    413: ("MessageSizeTooBig", "Message size too big."),
    429: ("Throttled", "Too many requests. Retry after the time given in Retry-After."),
    500: ("ServiceError", "An internal service error occurred."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


@dataclass
class FaultRule:
    """One injected fault."""

    id: int
    route: str = "*"
    method: str | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    drop: bool = False
    remaining: int | None = None
    start: float | None = None
    end: float | None = None
    hits: int = 0

    def error_body(self) -> Any:
        """The JSON body to answer with: the given body, or Teams' error envelope."""
        if self.body is not None:
            return self.body
        code, message = ERROR_CODES.get(self.status or 500, ("ServiceError", "Injected fault."))
        return {"error": {"code": self.code or code, "message": self.message or message}}

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe description."""
        return asdict(self)


class FaultInjector:
    """The active fault rules."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(
        self,
        route: str = "*",
        *,
        method: str | None = None,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        latency: float = 0.0,
        drop: bool = False,
        count: int | None = None,
        duration: float | None = None,
        start: float | None = None,
    ) -> FaultRule:
        """Add a rule; `count` limits it to N calls, `duration` to a window from `start`/now."""
        begin = self.clock() if start is None and duration is not None else start
        rule = FaultRule(
            id=next(self._ids),
            route=route,
            method=method.upper() if method else None,
            status=status,
            code=code,
            message=message,
            body=body,
            headers=dict(headers or {}),
            latency=latency,
            drop=drop,
            remaining=count,
            start=begin,
            end=None if duration is None or begin is None else begin + duration,
        )
        if status == 429 and not any(k.lower() == "retry-after" for k in rule.headers):
            rule.headers["Retry-After"] = "1"
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        """Delete a rule; False if there was none with that id."""
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        """Delete every rule."""
        self.rules.clear()

    def match(self, route: str, method: str) -> FaultRule | None:
        """The rule that applies to this call (consuming one of its N calls), if any."""
        if not self.rules:
            return None
        now = self.clock()
        for rule in list(self.rules):
            if rule.end is not None and now >= rule.end:
                self.rules.remove(rule)
                continue
            if rule.start is not None and now < rule.start:
                continue
            if rule.route not in ("*", route) or rule.method not in (None, method):
                continue
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
            return rule
        return None
