"""Rate limits on password checks: per account and per client address, in this process.

A login is counted before its password is checked (so sixteen at once count as sixteen), and
refunded when it succeeds; a success also clears its account's count. Beyond a limit the login
is refused with TooManyAttempts (429, `Retry-After`) before anything is hashed. The windows
slide: an attempt stops counting `window` seconds after it was made.

The state lives in the server process (several `codestream serve` processes would each keep
their own); it is bounded by `MAX_TRACKED` keys per kind, forgetting the stalest first.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request

from codestream.domain.models import User
from codestream.errors import InvalidInput, NotAuthenticated, TooManyAttempts

if TYPE_CHECKING:
    from codestream.web.context import WebContext

MAX_TRACKED = 50_000
T = TypeVar("T")


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins an account (by normalized email, known or not) and a client
    address may have in their sliding windows."""

    per_account: int = 5
    account_window_seconds: float = 15 * 60
    per_address: int = 20
    address_window_seconds: float = 60


@dataclass
class _Window:
    """The recent attempts under one key, oldest first."""

    limit: int
    seconds: float
    times: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        recent = self._recent(key, now)
        if recent is None or len(recent) < self.limit:
            return 0.0
        return recent[len(recent) - self.limit] + self.seconds - now

    def add(self, key: str, now: float) -> None:
        recent = self._recent(key, now)
        if recent is None:
            recent = self.times[key] = deque(maxlen=self.limit)
            if len(self.times) > MAX_TRACKED:
                self.times.popitem(last=False)
        recent.append(now)
        self.times.move_to_end(key)

    def refund(self, key: str) -> None:
        recent = self.times.get(key)
        if recent:
            recent.pop()

    def clear(self, key: str) -> None:
        self.times.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        recent = self.times.get(key)
        if recent is None:
            return None
        while recent and recent[0] <= now - self.seconds:
            recent.popleft()
        return recent


class LoginLimiter:
    """Counts login attempts per account and per client address (see the module's doc)."""

    def __init__(
        self, limits: LoginLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or LoginLimits()
        self._clock = clock
        self._accounts = _Window(self.limits.per_account, self.limits.account_window_seconds)
        self._addresses = _Window(self.limits.per_address, self.limits.address_window_seconds)

    def admit(self, email: str, address: str) -> None:
        """Count an attempt for this email and address; TooManyAttempts, counting nothing,
        when either is over its limit."""
        now = self._clock()
        account = account_key(email)
        wait = max(self._accounts.wait(account, now), self._addresses.wait(address, now))
        if wait > 0:
            raise TooManyAttempts(
                "too many failed sign-in attempts; wait "
                f"{wait_in_words(wait)} and try again, or ask an admin to reset your password",
                retry_after_seconds=math.ceil(wait),
            )
        self._accounts.add(account, now)
        self._addresses.add(address, now)

    def succeeded(self, email: str, address: str) -> None:
        """A login that was admitted succeeded: clear its account, refund its address."""
        self._accounts.clear(account_key(email))
        self._addresses.refund(address)

    def not_judged(self, email: str, address: str) -> None:
        """A login that was admitted but never checked (e.g. the server was busy): refund it."""
        self._accounts.refund(account_key(email))
        self._addresses.refund(address)


def account_key(email: str) -> str:
    """The account an email names, as the accounts store it (trimmed, lower-cased)."""
    return email.strip().lower()[:320]


def wait_in_words(seconds: float) -> str:
    """A wait for people: `40 seconds`, `12 minutes`."""
    if seconds <= 90:
        return f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded. uvicorn rewrites
    the peer from `X-Forwarded-For` only for proxies in its `forwarded_allow_ips`
    (`FORWARDED_ALLOW_IPS`, default 127.0.0.1), so a client can't pick its own address."""
    return request.client.host if request.client is not None else "unknown"


async def guarded_password_check(
    request: Request, email: str, check: Callable[[], Awaitable[T]]
) -> T:
    """The one way a route checks a password: rate-limited per account (`email`) and client
    address (TooManyAttempts before any hashing), then `check`. A wrong password (a
    NotAuthenticated, or an InvalidInput coded `wrong_password`) stays counted; any other
    outcome than success (e.g. ServerBusy, a refused new password) is refunded."""
    context: WebContext = request.app.state.ctx
    address = client_address(request)
    context.logins.admit(email, address)
    try:
        result = await check()
    except (NotAuthenticated, InvalidInput) as exc:
        if isinstance(exc, NotAuthenticated) or exc.code == "wrong_password":
            raise  # counted
        context.logins.not_judged(email, address)
        raise
    except BaseException:
        context.logins.not_judged(email, address)
        raise
    context.logins.succeeded(email, address)
    return result


async def guarded_log_in(
    request: Request, email: str, password: str, *, token_name: str, ttl_ms: int | None = None
) -> tuple[User, str]:
    """Log in through `guarded_password_check` (`Services.log_in`: NotAuthenticated, or
    ServerBusy when every hashing slot is taken). The user and a new token's value."""
    services = request.app.state.ctx.services
    return await guarded_password_check(
        request,
        email,
        lambda: services.log_in(
            email=email, password=password, token_name=token_name, ttl_ms=ttl_ms
        ),
    )
