"""Microsoft's endpoints per cloud: where keys, tokens and Teams' Bot Connector live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    """The endpoints a bot talks to in one Microsoft cloud."""

    name: str
    openid_metadata_url: str
    """Bot Framework's OpenID metadata: where the channel's signing keys are listed."""
    token_issuer: str
    """The `iss` of tokens the channel sends to the bot."""
    login_url: str
    """Entra's login host; the token URL is `{login_url}/{tenant}/oauth2/v2.0/token`."""
    multi_tenant_authority: str
    """The tenant to ask for tokens when the bot is a legacy multi-tenant one."""
    scope: str
    """The scope of outbound tokens for the Bot Connector."""
    service_url_hosts: tuple[str, ...]
    """Teams' Bot Connector hosts: the only hosts we send our bearer token to."""


PUBLIC = Cloud(
    name="public",
    openid_metadata_url="https://login.botframework.com/v1/.well-known/openidconfiguration",
    token_issuer="https://api.botframework.com",
    login_url="https://login.microsoftonline.com",
    multi_tenant_authority="botframework.com",
    scope="https://api.botframework.com/.default",
    service_url_hosts=("smba.trafficmanager.net", "smba.onyx.prod.teams.trafficmanager.net"),
)

GCC = Cloud(
    name="gcc",
    openid_metadata_url=PUBLIC.openid_metadata_url,
    token_issuer=PUBLIC.token_issuer,
    login_url=PUBLIC.login_url,
    multi_tenant_authority=PUBLIC.multi_tenant_authority,
    scope=PUBLIC.scope,
    service_url_hosts=("smba.infra.gcc.teams.microsoft.com",),
)

GCC_HIGH = Cloud(
    name="gcchigh",
    openid_metadata_url="https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
    token_issuer="https://api.botframework.us",
    login_url="https://login.microsoftonline.us",
    multi_tenant_authority="MicrosoftServices.onmicrosoft.us",
    scope="https://api.botframework.us/.default",
    service_url_hosts=("smba.infra.gov.teams.microsoft.us",),
)

DOD = Cloud(
    name="dod",
    openid_metadata_url=GCC_HIGH.openid_metadata_url,
    token_issuer=GCC_HIGH.token_issuer,
    login_url=GCC_HIGH.login_url,
    multi_tenant_authority=GCC_HIGH.multi_tenant_authority,
    scope=GCC_HIGH.scope,
    service_url_hosts=("smba.infra.dod.teams.microsoft.us",),
)

CLOUDS: dict[str, Cloud] = {cloud.name: cloud for cloud in (PUBLIC, GCC, GCC_HIGH, DOD)}
