"""The bot's identity and endpoints, resolved from the services config and its overrides."""

from __future__ import annotations

from dataclasses import dataclass

from codestream.config import MsTeamsConfig, Secret
from codestream.config.checks import service_origin
from codestream.teams.clouds import CLOUDS, Cloud

CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class BotSettings:
    """Everything the protocol layer needs to know about our bot registration."""

    app_id: str
    app_password: Secret
    tenant_id: str | None
    cloud: Cloud
    openid_metadata_url: str
    token_issuer: str
    login_url: str
    service_url_origins: frozenset[tuple[str, str, int]]
    """(scheme, host, port) the bearer token may go to; a bare host in the config is https:443."""
    allowed_tenants: frozenset[str] | None = None
    """Lower-case tenant ids the bot serves (`allowedTenants`); None serves any tenant."""

    def serves_tenant(self, tenant_id: str | None) -> bool:
        """Whether activities from, and messages to, this tenant are allowed."""
        if self.allowed_tenants is None:
            return True
        return tenant_id is not None and tenant_id.lower() in self.allowed_tenants

    @property
    def token_authority(self) -> str:
        """The tenant outbound tokens come from: ours, or Bot Framework's for multi-tenant bots."""
        return self.tenant_id or self.cloud.multi_tenant_authority

    @property
    def token_url(self) -> str:
        """Entra's client-credentials endpoint for this bot."""
        return f"{self.login_url.rstrip('/')}/{self.token_authority}/oauth2/v2.0/token"


def bot_settings(block: MsTeamsConfig | None) -> BotSettings | None:
    """The bot's settings, or None when no usable bot is configured (then we refuse all traffic)."""
    if block is None or block.disabled or not block.bot_app_id or not block.bot_app_password:
        return None
    cloud = CLOUDS.get(block.cloud, CLOUDS["public"])
    entries = block.service_url_allow_list or cloud.service_url_hosts
    origins = {service_origin(entry) for entry in entries}
    return BotSettings(
        app_id=block.bot_app_id,
        app_password=block.bot_app_password,
        tenant_id=block.bot_app_tenant_id,
        cloud=cloud,
        openid_metadata_url=block.open_id_metadata_url or cloud.openid_metadata_url,
        token_issuer=block.token_issuer or cloud.token_issuer,
        login_url=block.login_url or cloud.login_url,
        service_url_origins=frozenset(origin for origin in origins if origin is not None),
        allowed_tenants=(
            frozenset(block.allowed_tenants) if block.allowed_tenants is not None else None
        ),
    )
