"""`Emulator`: Microsoft's side of the Bot Framework protocol as one in-memory object.

It owns the world (tenants, teams, users, bots, conversations), the signing keys of both issuers,
token minting and checking, throttling, faults and the transcript. `create_app(emulator)` serves it;
a `Driver` built beside it plays the Teams users.
"""

from __future__ import annotations

import secrets

from teams_emulator import ids
from teams_emulator.clock import Clock, system_clock
from teams_emulator.entities import BotApp, Tenant
from teams_emulator.faults import FaultInjector
from teams_emulator.keys import KeyRing
from teams_emulator.throttling import Throttler
from teams_emulator.tokens import BOT_FRAMEWORK_ISSUER, AccessTokens, ChannelTokens
from teams_emulator.transcript import Transcript
from teams_emulator.world import World

DEFAULT_BASE_URL = "http://127.0.0.1:3978"
# Where the emulator serves its stand-in for Microsoft's TeamsJS library (sign-in pages load it).
TEAMS_JS_PATH = "/_emulator/teamsjs/MicrosoftTeams.js"


class Emulator:
    """The whole emulated Microsoft side, without the HTTP server."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        base_url: str = DEFAULT_BASE_URL,
        region: str = "amer",
        token_lifetime: int = 3600,
        token_skew: float = 300,
        throttling: bool = True,
        transcript_limit: int = 10_000,
        max_message_bytes: int = 28 * 1024,
    ) -> None:
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.max_message_bytes = max_message_bytes
        self.world = World()
        self.channel_keys = KeyRing("login.botframework.com")
        self.login_keys = KeyRing("login.microsoftonline.com", endorsements=False)
        self.channel_tokens = ChannelTokens(self.channel_keys, clock)
        self.access_tokens = AccessTokens(
            self.login_keys, clock, lifetime=token_lifetime, skew=token_skew
        )
        self.throttler = Throttler(clock, enabled=throttling)
        self.faults = FaultInjector(clock)
        self.transcript = Transcript(transcript_limit)

    # -- URLs a bot is configured with ------------------------------------------------------
    @property
    def openid_metadata_url(self) -> str:
        """Where a bot reads the channel OpenID metadata (in place of login.botframework.com)."""
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        """The channel JWK set."""
        return f"{self.base_url}/v1/.well-known/keys"

    @property
    def login_url(self) -> str:
        """The Entra authority host: the token URL is `{login_url}/{tenant}/oauth2/v2.0/token`."""
        return self.base_url

    @property
    def token_issuer(self) -> str:
        """The `iss` of channel tokens."""
        return BOT_FRAMEWORK_ISSUER

    @property
    def teams_js_url(self) -> str:
        """The emulator's TeamsJS stand-in, for pages opened in its authentication window."""
        return f"{self.base_url}{TEAMS_JS_PATH}"

    def token_url(self, tenant: str = "botframework.com") -> str:
        """The token endpoint of one tenant."""
        return f"{self.login_url}/{tenant}/oauth2/v2.0/token"

    def service_url(self, tenant_or_region: Tenant | str | None = None) -> str:
        """A Teams-shaped serviceUrl: `{base}/{region}/{tenantId}/`, or `{base}/{region}/`."""
        if isinstance(tenant_or_region, Tenant):
            return f"{self.base_url}/{self.region}/{tenant_or_region.id}/"
        if tenant_or_region is None:
            return f"{self.base_url}/{self.region}/"
        if self.world.find_tenant(tenant_or_region) is not None:
            tenant = self.world.find_tenant(tenant_or_region)
            assert tenant is not None
            return f"{self.base_url}/{self.region}/{tenant.id}/"
        return f"{self.base_url}/{tenant_or_region}/"

    # -- bots and switches ------------------------------------------------------------------
    def add_bot(
        self,
        *,
        app_id: str | None = None,
        secret: str | None = None,
        name: str = "CodeStream",
        tenant: Tenant | str | None = None,
        endpoint: str | None = None,
    ) -> BotApp:
        """Register a bot app. `tenant` is its home tenant; None makes a legacy multi-tenant bot."""
        home = tenant.id if isinstance(tenant, Tenant) else tenant
        bot = BotApp(
            app_id=app_id or ids.guid(),
            secret=secret or secrets.token_urlsafe(30),
            name=name,
            home_tenant_id=home,
            endpoint=endpoint,
        )
        return self.world.add_bot(bot)

    def set_throttling(self, enabled: bool) -> None:
        """Turn Teams' rate limits on or off (off forgets past counts)."""
        self.throttler.enabled = enabled
        if not enabled:
            self.throttler.reset()
