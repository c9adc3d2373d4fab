"""The typed, validated config the services run on, and the environment overrides."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from codestream.config.checks import check_postgres_url, describe, mask_url_password
from codestream.config.document import read_document
from codestream.config.paths import config_path, expand_path
from codestream.config.secret import Secret
from codestream.config.settings import BLOCK, default_of, setting
from codestream.config.validation import validate_document
from codestream.errors import ConfigError

__all__ = [
    "ENV_BOT_APP_ID",
    "ENV_BOT_APP_PASS",
    "ENV_BOT_TENANT_ID",
    "ENV_DATABASE_URL",
    "Config",
    "ConfigInvalid",
    "MsTeamsConfig",
    "apply_env_overrides",
    "config_from_document",
    "load_config",
    "resolved_document",
]

ENV_BOT_APP_ID: Final[str] = setting(f"{BLOCK}.botAppId").env[0]
ENV_BOT_APP_PASS: Final[str] = setting(f"{BLOCK}.botAppPassword").env[0]
ENV_BOT_TENANT_ID: Final[str] = setting(f"{BLOCK}.botAppTenantId").env[0]
ENV_DATABASE_URL: Final[str] = setting("storage.postgres.url").env[0]
DEFAULT_MSTEAMS_BLOCK: Final = "microsoft.com"

_BOT_ENV: Final = (
    (ENV_BOT_APP_ID, "botAppId"),
    (ENV_BOT_APP_PASS, "botAppPassword"),
    (ENV_BOT_TENANT_ID, "botAppTenantId"),
)
_SQLITE_PATH: Final[str] = default_of("storage.sqlite.path")
_API_HOST: Final[str] = default_of("apiServer.host")
_API_PORT: Final[int] = default_of("apiServer.port")
_CLOUD: Final[str] = default_of(f"{BLOCK}.cloud")
_TEAMS_JS_URL: Final[str] = default_of(f"{BLOCK}.teamsJsUrl")


class ConfigInvalid(ConfigError):
    """The config parsed but breaks rules; `problems` lists each as `key.path: expected ...`."""

    code = "invalid_config"

    def __init__(self, source: Path | None, problems: list[str]) -> None:
        where = str(source) if source is not None else "the config"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{where} is not valid ({len(problems)} problem(s)):\n{lines}")
        self.source = source
        self.problems = tuple(problems)


@dataclass(frozen=True)
class MsTeamsConfig:
    """One `integrations.msteams.<block>` of the config: the bot's Azure registration."""

    block_name: str
    bot_app_id: str | None
    bot_app_password: Secret | None
    bot_app_tenant_id: str | None  # None = legacy multi-tenant bot
    cloud: str  # "public" | "gcc" | "gcchigh" | "dod"
    open_id_metadata_url: str | None
    token_issuer: str | None
    login_url: str | None
    service_url_allow_list: tuple[str, ...] | None
    disabled: bool
    app_package: Mapping[str, Any] = field(default_factory=dict)  # a copy; {} if absent
    teams_js_url: str = _TEAMS_JS_URL
    allowed_tenants: tuple[str, ...] | None = None  # lower-case tenant ids; None = any tenant


@dataclass(frozen=True)
class Config:
    """The effective services config: the file, then environment overrides, validated.

    `repr()` leaves out `document` and shows secrets as `********`.
    """

    source: Path | None
    document: dict[str, Any] = field(repr=False)  # after env overrides; holds secrets in clear
    public_api_url: str
    api_host: str
    api_port: int
    database_url: str
    auth_secret: Secret
    cookie_secret: Secret
    ssl_certfile: Path | None
    ssl_keyfile: Path | None
    msteams: MsTeamsConfig | None

    def __repr__(self) -> str:  # the dataclass one would quote a postgres password
        return (
            f"Config(source={self.source!r}, public_api_url={self.public_api_url!r}, "
            f"api_host={self.api_host!r}, api_port={self.api_port!r}, "
            f"database_url={mask_url_password(self.database_url)!r}, "
            f"auth_secret={self.auth_secret!r}, cookie_secret={self.cookie_secret!r}, "
            f"ssl_certfile={self.ssl_certfile!r}, ssl_keyfile={self.ssl_keyfile!r}, "
            f"msteams={self.msteams!r})"
        )


def _env_value(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value else None  # an empty variable counts as unset


def _msteams_target(doc: dict[str, Any]) -> dict[str, Any]:
    """The msteams block env overrides apply to: the first enabled one, else the first, else a
    new `"microsoft.com"` block."""
    integrations = doc.get("integrations")
    if not isinstance(integrations, dict):
        integrations = doc["integrations"] = {}
    msteams = integrations.get("msteams")
    if not isinstance(msteams, dict):
        msteams = integrations["msteams"] = {}
    blocks = [b for b in msteams.values() if isinstance(b, dict)]
    for block in blocks:
        if block.get("disabled") is not True:
            return block
    if blocks:
        return blocks[0]
    new_block: dict[str, Any] = {}
    msteams[DEFAULT_MSTEAMS_BLOCK] = new_block
    return new_block


def apply_env_overrides(
    doc: dict[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of `doc` with the environment applied, and which key path came from which variable.

    `CSSVC_MSTEAMS_BOT_APP_ID`, `..._BOT_APP_PASS`, `..._BOT_TENANT_ID` set botAppId,
    botAppPassword, botAppTenantId of the first enabled msteams block (else the first block,
    else a new `"microsoft.com"` block). `CS_DATABASE_URL` replaces `storage`: a postgres URL
    becomes `storage.postgres.url`, `sqlite:///PATH` becomes `storage.sqlite.path`. Empty
    variables count as unset.
    """
    env = os.environ if environ is None else environ
    result = copy.deepcopy(doc)
    origins: dict[str, str] = {}
    bot = [(name, key, _env_value(env, name)) for name, key in _BOT_ENV]
    if any(value is not None for _, _, value in bot):
        block = _msteams_target(result)
        block_name = next(
            name for name, b in result["integrations"]["msteams"].items() if b is block
        )
        for name, key, value in bot:
            if value is not None:
                block[key] = value
                origins[f"integrations.msteams.{block_name}.{key}"] = name
    database_url = _env_value(env, ENV_DATABASE_URL)
    if database_url is not None:
        if database_url.startswith("sqlite:///"):
            result["storage"] = {"sqlite": {"path": database_url[len("sqlite:///") :]}}
            origins["storage.sqlite.path"] = ENV_DATABASE_URL
        else:
            result["storage"] = {"postgres": {"url": database_url}}
            origins["storage.postgres.url"] = ENV_DATABASE_URL
    return result, origins


def _annotate(problems: list[str], origins: Mapping[str, str]) -> list[str]:
    out = []
    for problem in problems:
        path = problem.split(": ", 1)[0]
        env_name = origins.get(path)
        out.append(f"{problem} (from ${env_name})" if env_name else problem)
    return out


def _path(value: str, base: Path | None, environ: Mapping[str, str]) -> Path:
    """Expand `~`; a relative path is taken relative to the config file's directory."""
    path = expand_path(value, environ)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return Path(os.path.normpath(path))


def _database_url(doc: Mapping[str, Any], base: Path | None, environ: Mapping[str, str]) -> str:
    storage = doc.get("storage") or {}
    postgres = storage.get("postgres")
    if postgres is not None:
        url: str = postgres["url"]
        if url.startswith("postgres://"):  # SQLAlchemy knows only the postgresql:// spelling
            url = "postgresql://" + url[len("postgres://") :]
        return url
    sqlite = storage.get("sqlite") or {}
    path = _path(sqlite.get("path") or _SQLITE_PATH, base, environ)
    return f"sqlite:///{path}"


def _msteams(doc: Mapping[str, Any]) -> MsTeamsConfig | None:
    blocks = ((doc.get("integrations") or {}).get("msteams")) or {}
    for name, block in blocks.items():
        if block.get("disabled") is True:
            continue
        password = block.get("botAppPassword")
        hosts = block.get("serviceUrlAllowList")
        tenants = block.get("allowedTenants")
        return MsTeamsConfig(
            block_name=name,
            bot_app_id=block.get("botAppId"),
            bot_app_password=Secret(password) if password is not None else None,
            bot_app_tenant_id=block.get("botAppTenantId"),
            cloud=block.get("cloud") or _CLOUD,
            open_id_metadata_url=block.get("openIdMetadataUrl"),
            token_issuer=block.get("tokenIssuer"),
            login_url=block.get("loginUrl"),
            service_url_allow_list=(
                tuple(h.lower().rstrip(".") for h in hosts) if hosts is not None else None
            ),
            disabled=False,
            app_package=copy.deepcopy(block.get("appPackage") or {}),
            teams_js_url=block.get("teamsJsUrl") or _TEAMS_JS_URL,
            allowed_tenants=tuple(t.lower() for t in tenants) if tenants is not None else None,
        )
    return None


def _check_env(environ: Mapping[str, str]) -> list[str]:
    url = _env_value(environ, ENV_DATABASE_URL)
    if url is None or url.startswith("sqlite:///"):
        return []
    reason = check_postgres_url(url)
    if reason is None:
        return []
    return [f"${ENV_DATABASE_URL}: {reason} or sqlite:///PATH, got {describe(url)}"]


def config_from_document(
    doc: dict[str, Any],
    *,
    source: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Apply env overrides to `doc`, validate, and build a `Config`.

    Raises `ConfigInvalid` (a `ConfigError`) listing every problem; a problem caused by an
    environment variable names it. Relative paths in the document (SQLite file, SSL files) are
    relative to the directory of `source`, or the current directory when there is none.
    """
    env = os.environ if environ is None else environ
    effective, origins = apply_env_overrides(doc, env)
    env_problems = _check_env(env)
    problems = env_problems + _annotate(validate_document(effective), origins)
    if env_problems:  # the same bad URL, already reported under its variable's name
        problems = [p for p in problems if not p.startswith("storage.postgres.url:")]
    if problems:
        raise ConfigInvalid(source, problems)
    base = source.parent if source is not None else None
    api = effective["apiServer"]
    shared = effective["sharedSecrets"]
    ssl = effective.get("ssl") or {}
    certfile, keyfile = ssl.get("certfile"), ssl.get("keyfile")
    return Config(
        source=source,
        document=effective,
        public_api_url=api["publicApiUrl"].rstrip("/"),
        api_host=api.get("host") or _API_HOST,
        api_port=api.get("port") or _API_PORT,
        database_url=_database_url(effective, base, env),
        auth_secret=Secret(shared["auth"]),
        cookie_secret=Secret(shared["cookie"]),
        ssl_certfile=_path(certfile, base, env) if certfile else None,
        ssl_keyfile=_path(keyfile, base, env) if keyfile else None,
        msteams=_msteams(effective),
    )


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (`path`, else `$CSSVC_CFG_FILE`, else the default), apply env
    overrides and validate. Raises `ConfigError` with every problem."""
    env = os.environ if environ is None else environ
    source = config_path(path, env)
    return config_from_document(read_document(source), source=source, environ=env)


def resolved_document(
    doc: dict[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`doc` as the services see it: env overrides applied and defaults filled in.

    Best effort, for display: it doesn't validate, so it also works on a broken document.
    """
    result, _ = apply_env_overrides(doc, environ)
    api = result.get("apiServer")
    if isinstance(api, dict):
        api.setdefault("host", _API_HOST)
        api.setdefault("port", _API_PORT)
    if result.get("storage") is None:
        result["storage"] = {"sqlite": {"path": _SQLITE_PATH}}
    integrations = result.get("integrations")
    msteams = integrations.get("msteams") if isinstance(integrations, dict) else None
    if isinstance(msteams, dict):
        for block in msteams.values():
            if isinstance(block, dict) and block.get("cloud") is None:
                block["cloud"] = _CLOUD
    return result
