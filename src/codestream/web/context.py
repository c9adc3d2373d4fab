"""What every request handler can reach: the config and the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from codestream.config import Config
from codestream.domain.services import Services
from codestream.web.login_limits import LoginLimiter


@dataclass(frozen=True)
class WebContext:
    """Built once by `create_app`, stored on `app.state.ctx`."""

    config: Config
    services: Services
    logins: LoginLimiter = field(default_factory=LoginLimiter)

    @property
    def public_url(self) -> str:
        """The URL users reach us at, without a trailing slash."""
        return self.config.public_api_url.rstrip("/")
