"""What every request handler can reach: the config and the use cases."""

from __future__ import annotations

from dataclasses import dataclass

from codestream.config import Config
from codestream.domain.services import Services


@dataclass(frozen=True)
class WebContext:
    """Built once by `create_app`, stored on `app.state.ctx`."""

    config: Config
    services: Services

    @property
    def public_url(self) -> str:
        """The URL users reach us at, without a trailing slash."""
        return self.config.public_api_url.rstrip("/")
