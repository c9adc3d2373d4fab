"""Every key of the services config, as one table.

The table feeds validation (`validate_document`), the defaults the typed config and the readers
(`DeliverySettings`, `PackageSettings`) use, and the admin reference page
(`docs/admin/settings.md`, printed by `codestream config docs`). `<name>` in a path stands for
any block name under `integrations.msteams` (usually `microsoft.com`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from codestream.config import checks
from codestream.config.checks import Kind
from codestream.config.paths import DEFAULT_SQLITE_PATH

__all__ = [
    "BLOCK",
    "DEFAULT_API_HOST",
    "DEFAULT_API_PORT",
    "DEFAULT_TEAMS_JS_INTEGRITY",
    "DEFAULT_TEAMS_JS_URL",
    "SETTINGS",
    "Setting",
    "default_of",
    "nearest_key",
    "read_by_services",
    "setting",
    "settings_under",
    "value_of",
]

BLOCK: Final = "integrations.msteams.<name>"
DEFAULT_API_HOST: Final = "127.0.0.1"
DEFAULT_API_PORT: Final = 12079
DEFAULT_TEAMS_JS_URL: Final = "https://res.cdn.office.net/teams-js/2.58.0/js/MicrosoftTeams.min.js"
"""Microsoft's CDN build of @microsoft/teams-js 2.58.0 (npm's `dist/umd/MicrosoftTeams.min.js`)."""
DEFAULT_TEAMS_JS_INTEGRITY: Final = (
    "sha384-sMo/EOqQPa1OCup2/VBRum7oFeOS22kvs8WGDc45xK53tUVZzFR5WwFYDUYN1LO4"
)
"""The SRI hash of that file, computed from the npm registry's tarball of 2.58.0; used only
when `teamsJsUrl` is the default."""


@dataclass(frozen=True)
class Setting:
    """One key of the services config.

    `default` is what an absent (or null) key means; `shown_default` says it in words when it is
    not a plain value. `required` keys must be present whenever their object is (a missing
    top-level section counts as an empty object). `items` checks each element of a list.
    """

    path: str
    kind: Kind
    help: str
    default: Any = None
    shown_default: str | None = None
    required: bool = False
    secret: bool = False
    env: tuple[str, ...] = ()
    items: Kind | None = None

    @property
    def name(self) -> str:
        """The last part of the path: the key inside its object."""
        return self.path.rsplit(".", 1)[-1]


_PACKAGE = f"{BLOCK}.appPackage"
_FULL_DESCRIPTION = (
    "CodeStream lets developers discuss code where it lives: comments, questions and issues "
    "attached to lines of code. This bot shares those codemarks into Microsoft Teams channels "
    "as cards, so the whole team can follow along. Sign in from the personal chat with the bot, "
    "then mention the bot with `connect` in any channel that should receive codemarks."
)

SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        "apiServer.publicApiUrl",
        checks.PUBLIC_URL,
        "The public address of this server as Teams and browsers reach it.",
        required=True,
    ),
    Setting(
        "apiServer.host",
        checks.TEXT,
        "The address the API server listens on; keep it on loopback behind a proxy.",
        default=DEFAULT_API_HOST,
    ),
    Setting("apiServer.port", checks.PORT, "The port the API server listens on.", DEFAULT_API_PORT),
    Setting(
        "apiServer.headerTimeoutSeconds",
        checks.TIMEOUT_SECONDS,
        "How long `codestream serve` waits for a request's headers (and, with TLS served "
        "directly, for the handshake) before it closes the connection.",
        default=10,
    ),
    Setting(
        "apiServer.maxConnections",
        checks.CONNECTIONS,
        "Open connections `codestream serve` accepts at once; one more is answered 503 and closed.",
        default=500,
    ),
    Setting(
        "apiServer.selfRegistration",
        checks.BOOLEAN,
        "Let anyone create an account with `POST /api/v1/users`; when false, admins create "
        "accounts (`codestream user create`).",
        default=False,
    ),
    Setting(
        "pages.organization",
        checks.TEXT,
        "Who runs this server, as the privacy statement (`/web/privacy`) and terms of use "
        '(`/web/terms`) name it, e.g. "Example Corp".',
        shown_default="the organization that runs PUBLIC_HOST",
    ),
    Setting(
        "pages.privacyFile",
        checks.TEXT,
        "A file whose text `/web/privacy` shows instead of the built-in privacy statement: "
        "`.html` is shown as written, any other file as paragraphs (bold, `code` and links "
        "allowed). Relative paths are relative to the config file.",
        shown_default="the built-in statement",
    ),
    Setting(
        "pages.termsFile",
        checks.TEXT,
        "A file whose text `/web/terms` shows instead of the built-in terms of use, read like "
        "`pages.privacyFile`.",
        shown_default="the built-in terms",
    ),
    Setting(
        "storage.sqlite.path",
        checks.TEXT,
        "The SQLite database file (relative paths are relative to the config file). "
        'Give `storage` exactly one of "sqlite" or "postgres".',
        default=DEFAULT_SQLITE_PATH,
        env=("CS_DATABASE_URL",),
    ),
    Setting(
        "storage.postgres.url",
        checks.POSTGRES_URL,
        "The PostgreSQL database, instead of SQLite.",
        shown_default="required with postgres",
        required=True,
        env=("CS_DATABASE_URL",),
    ),
    Setting(
        "sharedSecrets.auth",
        checks.SHARED_SECRET,
        "Signs access tokens; `codestream init` makes a random one.",
        required=True,
        secret=True,
    ),
    Setting(
        "sharedSecrets.cookie",
        checks.SHARED_SECRET,
        "Signs browser cookies; `codestream init` makes a random one.",
        required=True,
        secret=True,
    ),
    Setting("ssl.certfile", checks.TEXT, "Serve TLS directly: the certificate chain file."),
    Setting("ssl.keyfile", checks.TEXT, "Serve TLS directly: the private key file."),
    Setting(
        f"{BLOCK}.botAppId",
        checks.GUID,
        "The bot's Microsoft App ID (Azure Bot > Configuration).",
        env=("CSSVC_MSTEAMS_BOT_APP_ID",),
    ),
    Setting(
        f"{BLOCK}.botAppTenantId",
        checks.GUID,
        "The Directory (tenant) ID of a single-tenant bot; absent means a legacy multi-tenant bot.",
        env=("CSSVC_MSTEAMS_BOT_TENANT_ID",),
    ),
    Setting(
        f"{BLOCK}.botAppPassword",
        checks.SECRET_TEXT,
        "The bot's client secret: its Value, not its Secret ID.",
        secret=True,
        env=("CSSVC_MSTEAMS_BOT_APP_PASS",),
    ),
    Setting(
        f"{BLOCK}.botAppPasswordExpiresAt",
        checks.DATE,
        "When the client secret expires; `codestream doctor` checks it and warns in time.",
    ),
    Setting(
        f"{BLOCK}.cloud",
        checks.CLOUD,
        "The Microsoft cloud; it picks Microsoft's endpoints.",
        default="public",
    ),
    Setting(
        f"{BLOCK}.openIdMetadataUrl",
        checks.HTTP_URL,
        "Where the keys that sign Teams' requests are listed (for the emulator and tests).",
        shown_default="the cloud's",
    ),
    Setting(
        f"{BLOCK}.tokenIssuer",
        checks.HTTP_URL,
        "The issuer Teams' tokens must name (for the emulator and tests).",
        shown_default="the cloud's",
    ),
    Setting(
        f"{BLOCK}.loginUrl",
        checks.HTTP_URL,
        "Where the bot gets its own tokens (for the emulator and tests).",
        shown_default="the cloud's",
    ),
    Setting(
        f"{BLOCK}.serviceUrlAllowList",
        checks.HOST_LIST,
        "Where the bot may send its token: each entry a bare host (https on port 443) or an "
        "origin (`http://127.0.0.1:3978`), matched exactly by scheme, host and port.",
        shown_default="Teams' hosts for the cloud",
        items=checks.HOST,
    ),
    Setting(
        f"{BLOCK}.teamsJsUrl",
        checks.HTTP_URL,
        "Where the sign-in page loads Microsoft's TeamsJS library, which hands the one-time code "
        "back to Teams; the page's Content-Security-Policy allows scripts from this origin only "
        "(the emulator serves its own).",
        default=DEFAULT_TEAMS_JS_URL,
    ),
    Setting(
        f"{BLOCK}.allowedTenants",
        checks.GUID_LIST,
        "The Microsoft organizations (tenant ids) the bot serves: activities from any other are "
        "refused with 403 before any command runs, and nothing is sent to them.",
        shown_default="any tenant",
        items=checks.GUID,
    ),
    Setting(
        f"{BLOCK}.disabled",
        checks.BOOLEAN,
        "true turns this block off; the services use the first block that isn't disabled.",
        default=False,
    ),
    Setting(f"{_PACKAGE}.name", checks.TEXT, "The app's name in Teams.", "CodeStream"),
    Setting(
        f"{_PACKAGE}.shortDescription",
        checks.TEXT,
        "The app's short description in Teams.",
        "Share code discussions from CodeStream into Teams channels.",
    ),
    Setting(
        f"{_PACKAGE}.fullDescription",
        checks.TEXT,
        "The app's full description in Teams.",
        _FULL_DESCRIPTION,
        shown_default="a paragraph about CodeStream",
    ),
    Setting(
        f"{_PACKAGE}.developerName", checks.TEXT, "The developer Teams shows.", "CodeStream On-Prem"
    ),
    Setting(
        f"{_PACKAGE}.websiteUrl",
        checks.HTTPS_URL,
        "The developer's website.",
        shown_default="https://PUBLIC_HOST/web/",
    ),
    Setting(
        f"{_PACKAGE}.privacyUrl",
        checks.HTTPS_URL,
        "The privacy statement.",
        shown_default="https://PUBLIC_HOST/web/privacy",
    ),
    Setting(
        f"{_PACKAGE}.termsOfUseUrl",
        checks.HTTPS_URL,
        "The terms of use.",
        shown_default="https://PUBLIC_HOST/web/terms",
    ),
    Setting(f"{_PACKAGE}.accentColor", checks.COLOR, "The app's accent colour.", "#009AEF"),
    Setting(
        f"{_PACKAGE}.readChannelMessages",
        checks.BOOLEAN,
        "Ask team owners to let the bot read replies under its cards without an @mention.",
        default=True,
    ),
    Setting(
        f"{_PACKAGE}.messageExtension",
        checks.BOOLEAN,
        "Put the message extension in the app: codemark search from the compose box, and "
        "permalinks of `apiServer.publicApiUrl`'s host unfolding into cards. False leaves "
        "it out of the app's manifest.",
        default=True,
    ),
    Setting(
        "delivery.inProcessWorker",
        checks.BOOLEAN,
        "The API server runs one delivery worker itself; false when `codestream worker` "
        "processes run elsewhere.",
        default=True,
    ),
    Setting(
        "delivery.deadlineHours",
        checks.HOURS,
        "How long a message to Teams is retried before it is marked failed.",
        default=24,
    ),
    Setting(
        "notifications.bundleSeconds",
        checks.BUNDLE_SECONDS,
        "Personal notifications: events for one person within this many seconds of the first "
        "become one message.",
        default=30,
    ),
    Setting(
        "notifications.maxPerHour",
        checks.PER_HOUR,
        "Personal notifications: at most this many messages reach one person per hour; later "
        "events are folded into the next message.",
        default=10,
    ),
    Setting(
        "notifications.activeThreadMinutes",
        checks.MINUTES,
        "Personal notifications: a reply is not sent to someone who wrote in one of the "
        "codemark's Teams threads within this many minutes (they see it there).",
        default=10,
    ),
    Setting(
        "metrics.enabled",
        checks.BOOLEAN,
        "Serve Prometheus metrics from the API server (on `metrics.path`); the shipped nginx "
        "bastion does not pass it on, scrape the API server's own port.",
        default=True,
    ),
    Setting(
        "metrics.path",
        checks.URL_PATH,
        "Where the API server serves its Prometheus metrics.",
        default="/metrics",
    ),
    Setting(
        "metrics.multiprocessDirectory",
        checks.TEXT,
        "A directory `codestream serve` and `codestream worker` on this host share, so the "
        "server's metrics add up the workers' (prometheus-client's multiprocess mode); "
        "`codestream start` empties it.",
        shown_default="~/.codestream/run/metrics",
    ),
    Setting(
        "logging.format",
        checks.LOG_FORMAT,
        '"text" (one readable line per event) or "json" (one JSON object a line: timestamp, '
        "level, logger, message, request_id, ...) for `codestream serve` and `codestream worker`.",
        default="text",
    ),
)

_BY_PATH: Final[Mapping[str, Setting]] = {s.path: s for s in SETTINGS}


def setting(path: str) -> Setting:
    """The table's entry for `path` (with `<name>` for a Teams block); KeyError if none."""
    return _BY_PATH[path]


def default_of(path: str) -> Any:
    """The default of the key at `path`."""
    return setting(path).default


def settings_under(prefix: str) -> tuple[Setting, ...]:
    """The entries whose path starts with `prefix.`, in table order."""
    return tuple(s for s in SETTINGS if s.path.startswith(prefix + "."))


def value_of(document: Mapping[str, Any], path: str) -> Any:
    """The value at `path` in `document` (no `<name>` in it), or the default when absent or null.

    It doesn't validate: call it on a validated document.
    """
    node: Any = document
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            return default_of(path)
    return node


_OBJECTS: Final = frozenset(
    ".".join(s.path.split(".")[:i]) for s in SETTINGS for i in range(1, s.path.count(".") + 1)
)


def _table_form(keys: Sequence[str | int]) -> list[str]:
    """Real keys (as `resolve_key` gives them) with the Teams block name written `<name>`."""
    parts = [str(k) for k in keys]
    if parts[:2] == ["integrations", "msteams"] and len(parts) > 2:
        parts[2] = "<name>"
    return parts


def read_by_services(keys: Sequence[str | int]) -> bool:
    """Whether the value at these real keys is, or holds, or sits inside a key of the table."""
    parts = _table_form(keys)
    whole = ".".join(parts)
    if whole in _BY_PATH or whole in _OBJECTS:
        return True
    return any(".".join(parts[:i]) in _BY_PATH for i in range(1, len(parts)))


def nearest_key(keys: Sequence[str | int]) -> str | None:
    """The table key closest in spelling to these real keys (with their block name), or None."""
    parts = _table_form(keys)
    close = difflib.get_close_matches(".".join(parts), [*_BY_PATH, *_OBJECTS], n=1, cutoff=0.8)
    if not close:
        return None
    if parts[:3] == ["integrations", "msteams", "<name>"] and close[0].startswith(BLOCK):
        return close[0].replace("<name>", str(keys[2]), 1)
    return close[0]
