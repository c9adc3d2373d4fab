"""Doctor checks of the Teams bot: credentials, a real token request, the channel's signing keys,
and the client secret's expiry date."""

from __future__ import annotations

import datetime
from typing import Any, Final

import httpx

from codestream.cli.config_msteams import EXPIRES_KEY, parse_expiry
from codestream.cli.doctor.report import Finding
from codestream.config import Config
from codestream.teams.settings import BotSettings, bot_settings
from codestream.teams.token_errors import explain_token_error
from codestream.teams.tokens import ConnectorTokens, TokenError

__all__ = ["check_credentials", "check_keys", "check_secret_expiry", "check_token"]

WARN_DAYS: Final = 30
CREDENTIALS = "bot credentials"
TOKEN = "token request"
KEYS = "OpenID metadata and keys"
EXPIRY = "client secret expiry"


def _key(config: Config, name: str) -> str:
    block = config.msteams.block_name if config.msteams else "microsoft.com"
    return f"integrations.msteams.{block}.{name}"


def check_credentials(config: Config) -> tuple[Finding, BotSettings | None]:
    """The bot's ids and secret are in the config; a missing tenant id is a warning."""
    guided = "codestream config msteams --app-id <Microsoft App ID> --tenant-id <App Tenant ID>"
    block = config.msteams
    if block is None:
        return (
            Finding.fail(
                CREDENTIALS,
                "no enabled integrations.msteams block in the config: the bot refuses all traffic",
                guided,
            ),
            None,
        )
    missing = [
        name
        for name, value in (
            ("botAppId", block.bot_app_id),
            ("botAppPassword", block.bot_app_password),
        )
        if not value
    ]
    settings = bot_settings(block)
    if missing or settings is None:
        return (
            Finding.fail(
                CREDENTIALS, f"{', '.join(missing)} missing in {_key(config, '')[:-1]}", guided
            ),
            None,
        )
    detail = f"app {settings.app_id}, cloud {settings.cloud.name}, secret set"
    if settings.tenant_id is None:
        return (
            Finding.warn(
                CREDENTIALS,
                f"{detail}, no botAppTenantId: treated as a legacy multi-tenant bot (Azure has "
                "created only single-tenant bots since July 2025)",
                f"if the bot is single-tenant: {guided}",
            ),
            settings,
        )
    return Finding.ok(CREDENTIALS, f"{detail}, tenant {settings.tenant_id}"), settings


def _explain(exc: TokenError, settings: BotSettings, config: Config) -> Finding:
    app, tenant = settings.app_id, settings.token_authority
    ids_fix = (
        "in the Azure portal open the Azure Bot > Configuration, copy the Microsoft App ID and "
        "the App Tenant ID, then run: codestream config msteams --app-id <App ID> "
        "--tenant-id <App Tenant ID>"
    )
    secret_fix = (
        "in the Azure portal open App registrations > the bot's app > Certificates & secrets, "
        "add a New client secret and copy its Value (shown once, not the Secret ID), then run: "
        f"codestream config set {_key(config, 'botAppPassword')} (it prompts)"
    )
    explained = explain_token_error(exc.code, app, tenant)
    if explained is not None:
        fix = secret_fix if exc.code in ("AADSTS7000215", "AADSTS7000222") else ids_fix
        return Finding.fail(TOKEN, explained, fix)
    if exc.retriable and exc.code is None and "cannot reach" in str(exc):
        host = httpx.URL(settings.token_url).host
        return Finding.fail(
            TOKEN,
            f"cannot reach {settings.token_url}",
            f"allow outbound HTTPS from this server to {host} (set HTTPS_PROXY if it must go "
            "through a proxy)",
        )
    return Finding.fail(TOKEN, str(exc), ids_fix if exc.code else "try again in a few minutes")


async def check_token(http: httpx.AsyncClient, settings: BotSettings, config: Config) -> Finding:
    """Ask Entra (or the configured loginUrl) for a Bot Connector token with these credentials."""
    try:
        await ConnectorTokens(http, settings).get()
    except TokenError as exc:
        return _explain(exc, settings, config)
    return Finding.ok(TOKEN, f"Entra issued a Bot Connector token ({settings.token_url})")


async def _get_json(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await http.get(url)
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return body


async def check_keys(http: httpx.AsyncClient, settings: BotSettings) -> Finding:
    """The channel's OpenID metadata answers, and its key set has keys endorsed for msteams."""
    url = settings.openid_metadata_url
    fix = (
        f"allow outbound HTTPS from this server to {httpx.URL(url).host} (set HTTPS_PROXY if it "
        "must go through a proxy); without the keys every message from Teams is refused"
    )
    try:
        metadata = await _get_json(http, url)
    except (httpx.HTTPError, ValueError) as exc:
        return Finding.fail(KEYS, f"cannot read {url}: {type(exc).__name__}", fix)
    jwks_uri = metadata.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        return Finding.fail(KEYS, f"{url} names no jwks_uri", "check openIdMetadataUrl")
    try:
        keys = (await _get_json(http, jwks_uri)).get("keys")
    except (httpx.HTTPError, ValueError) as exc:
        return Finding.fail(KEYS, f"cannot read {jwks_uri}: {type(exc).__name__}", fix)
    keys = keys if isinstance(keys, list) else []
    endorsed = [
        k for k in keys if isinstance(k, dict) and "msteams" in (k.get("endorsements") or [])
    ]
    if not endorsed:
        return Finding.fail(
            KEYS, f"{jwks_uri} lists no key endorsed for msteams", "check openIdMetadataUrl"
        )
    return Finding.ok(KEYS, f"{len(keys)} signing keys, {len(endorsed)} for msteams ({jwks_uri})")


def check_secret_expiry(config: Config, today: datetime.date | None = None) -> Finding:
    """botAppPasswordExpiresAt: warn under 30 days, fail when past; unknown is a warning."""
    key = _key(config, EXPIRES_KEY)
    block: Any = config.document.get("integrations", {}).get("msteams", {})
    raw = block.get(config.msteams.block_name, {}).get(EXPIRES_KEY) if config.msteams else None
    renew = (
        "add a New client secret under App registrations > the bot's app > Certificates & "
        "secrets, then: codestream config msteams --app-id ... --tenant-id ... "
        "--password-expires <its Expires date>"
    )
    if raw is None:
        return Finding.warn(
            EXPIRY,
            "unknown (Azure client secrets expire, at most 2 years after they are made)",
            f"record it: codestream config set {key} <the Expires date, e.g. 2027-05-31>",
        )
    expires = parse_expiry(raw) if isinstance(raw, str) else None
    if expires is None:
        return Finding.fail(
            EXPIRY, f"{key} is not an ISO date: {raw!r}", f"codestream config set {key} 2027-05-31"
        )
    days = (expires - (today or datetime.datetime.now(datetime.UTC).date())).days
    if days < 0:
        return Finding.fail(EXPIRY, f"the client secret expired on {expires}", renew)
    if days < WARN_DAYS:
        return Finding.warn(EXPIRY, f"the client secret expires in {days} days ({expires})", renew)
    return Finding.ok(EXPIRY, f"{expires} ({days} days left)")
