"""What every request handler can reach: the config and the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from codestream.config import Config
from codestream.domain.services import Services
from codestream.web.login_limits import LoginLimiter


@dataclass(frozen=True)
class TeamsHealthSources:
    """What the Teams health page reads beyond the use cases (wired by `create_app`)."""

    channel_deliveries: Callable[[Sequence[str]], Awaitable[dict[str, Any]]]
    """Per channel id: `storage.stats.ChannelDelivery`."""
    token_problem: Callable[[], Awaitable[str | None]] | None
    """None when no bot is configured; else a check that answers None when a token comes."""


@dataclass(frozen=True)
class WebContext:
    """Built once by `create_app`, stored on `app.state.ctx`."""

    config: Config
    services: Services
    logins: LoginLimiter = field(default_factory=LoginLimiter)
    teams_health: TeamsHealthSources | None = None

    @property
    def public_url(self) -> str:
        """The URL users reach us at, without a trailing slash."""
        return self.config.public_api_url.rstrip("/")
