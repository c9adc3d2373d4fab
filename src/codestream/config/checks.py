"""What a right value looks like, per kind of setting, and how a wrong one is quoted.

A `Kind` says in words what it expects ("a GUID") and, given a value, returns None when it is
fine, else what would be right (usually the same words, sometimes more precise). Values of secret
keys are never echoed; a URL's password is masked before it is quoted.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import SplitResult, urlsplit

from codestream.config.secret import MASK

__all__ = [
    "CLOUDS",
    "MIN_SECRET_LENGTH",
    "POSTGRES_SCHEMES",
    "POSTGRES_URL_EXPECTED",
    "PUBLIC_URL_EXPECTED",
    "Kind",
    "check_postgres_url",
    "check_public_url",
    "describe",
    "is_host",
    "is_secret_key",
    "mask_url_password",
    "service_origin",
]

CLOUDS: Final = ("public", "gcc", "gcchigh", "dod")
POSTGRES_SCHEMES: Final = ("postgresql", "postgres", "postgresql+psycopg")
MIN_SECRET_LENGTH: Final = 16

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_SECRET_WORD = re.compile(r"password|passwd|secret|token|key|credential", re.IGNORECASE)
_NOT_SECRET_SUFFIX = re.compile(
    r"(file|path|dir|directory|url|uri|issuer|expiration|expiry|expiresat|timeout|name|id)$",
    re.IGNORECASE,
)
_MAX_QUOTE = 80

PUBLIC_URL_EXPECTED: Final = (
    "an absolute http(s) URL with only a scheme, a host and an optional port, like "
    '"https://codestream.example.com"'
)
POSTGRES_URL_EXPECTED: Final = (
    "a URL starting with postgresql://, postgres:// or postgresql+psycopg://, "
    'like "postgresql://user:password@db.example.com:5432/codestream"'
)


def is_secret_key(name: str) -> bool:
    """Whether values under this key are secrets (botAppPassword, apiKey, tokens, ...).

    Names that only mention a secret but hold something else stay visible: `ssl.keyfile` is a
    path, `tokenIssuer` a URL, `signupTokenExpiration` a number.
    """
    return bool(_SECRET_WORD.search(name)) and not _NOT_SECRET_SUFFIX.search(name)


def mask_url_password(text: str) -> str:
    """`postgresql://u:pw@h/db` -> `postgresql://u:********@h/db`; other text unchanged."""
    scheme_end = text.find("://")
    if scheme_end <= 0:
        return text
    start = scheme_end + 3
    end = len(text)
    for stop in "/?#":
        found = text.find(stop, start)
        if found != -1:
            end = min(end, found)
    authority = text[start:end]
    if "@" not in authority:
        return text
    userinfo, host = authority.rsplit("@", 1)
    if ":" not in userinfo:
        return text
    user = userinfo.split(":", 1)[0]
    return f"{text[:start]}{user}:{MASK}@{host}{text[end:]}"


def describe(value: Any, *, secret: bool = False) -> str:
    """How a value is quoted after `got`: strings in JSON quotes (shortened), kinds otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean" if secret else ("true" if value else "false")
    if isinstance(value, int | float):
        return "a number" if secret else json.dumps(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        if secret:
            return "an empty string" if value == "" else f"a string of {len(value)} characters"
        shown = mask_url_password(value)
        if len(shown) > _MAX_QUOTE:
            shown = shown[: _MAX_QUOTE - 3] + "..."
        return json.dumps(shown, ensure_ascii=False)
    return type(value).__name__


def is_host(host: str) -> bool:
    """Whether `host` is an IP address or a DNS name of valid labels."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    labels = host.rstrip(".").split(".")
    return bool(host) and all(_LABEL.fullmatch(label) for label in labels)


DEFAULT_PORTS: Final = {"https": 443, "http": 80}
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def service_origin(entry: str) -> tuple[str, str, int] | None:
    """An allow-list entry as (scheme, host, port), or None if it is neither a bare host nor an
    origin. A bare host means https on 443; an origin (`http://127.0.0.1:3978`) says all three,
    and plain http is for loopback hosts only (the emulator)."""
    if "://" not in entry:
        return ("https", entry.lower().rstrip("."), 443) if is_host(entry) else None
    parts = _split_http_url(entry)
    if parts is None or parts.username is not None or parts.password is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or entry.endswith("?"):
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        return None
    return scheme, host, parts.port or DEFAULT_PORTS[scheme]


def _split_http_url(value: str) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a valid host and port, or None."""
    if not value or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not is_host(parts.hostname):
        return None
    return parts


def _public_url(value: Any) -> str | None:
    parts = _split_http_url(value) if isinstance(value, str) else None
    if parts is None:
        return PUBLIC_URL_EXPECTED
    if parts.username is not None or parts.password is not None:
        return f"{PUBLIC_URL_EXPECTED} (no user name or password in it)"
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith("?"):
        return f"{PUBLIC_URL_EXPECTED} (no path, query or fragment)"
    return None


def check_public_url(value: Any) -> str | None:
    """Why `value` is no good as `apiServer.publicApiUrl`, or None when it is fine."""
    expected = _public_url(value)
    return None if expected is None else f"expected {expected}, got {describe(value)}"


def _postgres_url(value: Any) -> str | None:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return POSTGRES_URL_EXPECTED
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in POSTGRES_SCHEMES:
        return POSTGRES_URL_EXPECTED
    try:
        urlsplit(value).port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"{POSTGRES_URL_EXPECTED} (the port is not a number from 1 to 65535)"
    if not rest.strip("/"):
        return f"{POSTGRES_URL_EXPECTED} (it names no host or database)"
    return None


def check_postgres_url(value: Any) -> str | None:
    """Why `value` is no good as a PostgreSQL URL (`expected ...`), or None when it is fine."""
    expected = _postgres_url(value)
    return None if expected is None else f"expected {expected}"


@dataclass(frozen=True)
class Kind:
    """What a setting's value must be: `expected` in words, and `why(value)`, which is None for
    a right value, else what would be right."""

    expected: str
    why: Callable[[Any], str | None] = field(repr=False)


def _simple(expected: str, ok: Callable[[Any], bool]) -> Kind:
    return Kind(expected, lambda value: None if ok(value) else expected)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _http_url(https: bool) -> Kind:
    def ok(value: Any) -> bool:
        parts = _split_http_url(value) if isinstance(value, str) else None
        return parts is not None and (not https or parts.scheme.lower() == "https")

    return _simple("an absolute https URL" if https else "an absolute http(s) URL", ok)


def _host_item(value: Any) -> str | None:
    if not isinstance(value, str):
        return 'a host name like "smba.trafficmanager.net"'
    if "*" in value:
        return "an exact host name (wildcards are not allowed)"
    if service_origin(value) is None:
        return (
            'a bare host name (https on port 443) or an origin like "https://host:port", '
            "without path (http only for 127.0.0.1, localhost or ::1)"
        )
    return None


ANY: Final = Kind("any value", lambda value: None)
TEXT: Final = _simple("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
SECRET_TEXT: Final = _simple("a non-empty string", lambda v: isinstance(v, str) and v != "")
SHARED_SECRET: Final = _simple(
    f"a string of at least {MIN_SECRET_LENGTH} characters",
    lambda v: isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH,
)
BOOLEAN: Final = _simple("true or false", lambda v: isinstance(v, bool))
GUID: Final = _simple("a GUID", lambda v: isinstance(v, str) and bool(_GUID.fullmatch(v)))
PORT: Final = _simple("a whole number from 1 to 65535", lambda v: _is_int(v) and 1 <= v <= 65535)
PUBLIC_URL: Final = Kind(PUBLIC_URL_EXPECTED, _public_url)
POSTGRES_URL: Final = Kind(POSTGRES_URL_EXPECTED, _postgres_url)
HTTP_URL: Final = _http_url(https=False)
HTTPS_URL: Final = _http_url(https=True)
CLOUD: Final = _simple("one of " + ", ".join(json.dumps(c) for c in CLOUDS), lambda v: v in CLOUDS)
COLOR: Final = _simple(
    'a color like "#FFFFFF"', lambda v: isinstance(v, str) and bool(_COLOR.fullmatch(v))
)
HOST_LIST: Final = _simple(
    'a list of hosts or origins like ["smba.trafficmanager.net"] (null for the defaults)',
    lambda v: isinstance(v, list) and bool(v),
)
GUID_LIST: Final = _simple(
    'a non-empty list of tenant ids like ["72f988bf-86f1-41af-91ab-2d7cd011db47"] (null for any)',
    lambda v: isinstance(v, list) and bool(v),
)
HOST: Final = Kind("a bare host name or an origin", _host_item)
HOURS: Final = _simple(
    "a number of hours more than 0 and at most 720 (30 days)",
    lambda v: _is_number(v) and 0 < v <= 24 * 30,
)
TIMEOUT_SECONDS: Final = _simple(
    "a number of seconds from 1 to 300", lambda v: _is_number(v) and 1 <= v <= 300
)
CONNECTIONS: Final = _simple(
    "a whole number from 1 to 100000", lambda v: _is_int(v) and 1 <= v <= 100_000
)
BUNDLE_SECONDS: Final = _simple(
    "a number of seconds from 0 to 3600", lambda v: _is_number(v) and 0 <= v <= 3600
)
PER_HOUR: Final = _simple("a whole number from 1 to 1000", lambda v: _is_int(v) and 1 <= v <= 1000)
MINUTES: Final = _simple(
    "a number of minutes from 0 to 1440", lambda v: _is_number(v) and 0 <= v <= 1440
)
LOG_FORMAT: Final = _simple('"text" or "json"', lambda v: v in ("text", "json"))
URL_PATH: Final = _simple(
    'a path starting with "/" like "/metrics"',
    lambda v: isinstance(v, str) and bool(re.fullmatch(r"/[A-Za-z0-9._~/-]*", v)) and v != "/",
)
DATE: Final = Kind("an ISO date like 2027-05-31", ANY.why)  # `codestream doctor` reads it


def parse_expiry(value: str) -> datetime.date | None:
    """An ISO date (`2027-05-31`, or a date-time, whose date is taken), or None if it isn't one
    (`botAppPasswordExpiresAt`)."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError:
        return None
