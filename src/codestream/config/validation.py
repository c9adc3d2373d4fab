"""Validation of a config document: every problem as `key.path: expected ..., got ...`.

Values of secret keys are never echoed; a URL's password is masked before it is quoted.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import SplitResult, urlsplit

from codestream.config.secret import MASK

__all__ = [
    "APP_PACKAGE_FIELDS",
    "CLOUDS",
    "MSTEAMS_BLOCK_FIELDS",
    "POSTGRES_SCHEMES",
    "check_public_url",
    "describe",
    "is_secret_key",
    "mask_url_password",
    "validate_document",
]

CLOUDS: Final = ("public", "gcc", "gcchigh", "dod")
POSTGRES_SCHEMES: Final = ("postgresql", "postgres", "postgresql+psycopg")
MIN_SECRET_LENGTH: Final = 16
MSTEAMS_BLOCK_FIELDS: Final = frozenset(
    {
        "botAppId",
        "botAppPassword",
        "botAppTenantId",
        "cloud",
        "openIdMetadataUrl",
        "tokenIssuer",
        "loginUrl",
        "serviceUrlAllowList",
        "disabled",
        "appPackage",
        "appClientId",
        "appClientSecret",
    }
)
APP_PACKAGE_FIELDS: Final = (
    "name",
    "shortDescription",
    "fullDescription",
    "developerName",
    "websiteUrl",
    "privacyUrl",
    "termsOfUseUrl",
    "accentColor",
    "readChannelMessages",
)
_APP_PACKAGE_URLS: Final = frozenset({"websiteUrl", "privacyUrl", "termsOfUseUrl"})

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


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    labels = host.rstrip(".").split(".")
    return bool(host) and all(_LABEL.fullmatch(label) for label in labels)


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
    if not _is_host(parts.hostname):
        return None
    return parts


def check_public_url(value: Any) -> str | None:
    """Why `value` is no good as `apiServer.publicApiUrl`, or None when it is fine."""
    expected = f"expected {PUBLIC_URL_EXPECTED}"
    if not isinstance(value, str):
        return f"{expected}, got {describe(value)}"
    parts = _split_http_url(value)
    if parts is None:
        return f"{expected}, got {describe(value)}"
    if parts.username is not None or parts.password is not None:
        return f"{expected} (no user name or password in it), got {describe(value)}"
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith("?"):
        return f"{expected} (no path, query or fragment), got {describe(value)}"
    return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, expected: str, value: Any, *, secret: bool = False) -> None:
        got = "nothing" if value is _MISSING else describe(value, secret=secret)
        self.problems.append(f"{path}: expected {expected}, got {got}")

    def obj(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
        """The object at `key`, None when absent or null; a problem when it is something else."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(path, "an object", value)
            return None
        return value

    def optional_str(self, parent: Mapping[str, Any], key: str, path: str) -> None:
        value = parent.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.add(path, "a non-empty string", value, secret=is_secret_key(key))

    def optional_url(self, parent: Mapping[str, Any], key: str, path: str, *, https: bool) -> None:
        value = parent.get(key)
        if value is None:
            return
        parts = _split_http_url(value) if isinstance(value, str) else None
        if parts is None or (https and parts.scheme.lower() != "https"):
            kind = "an absolute https URL" if https else "an absolute http(s) URL"
            self.add(path, kind, value)

    def guid(self, parent: Mapping[str, Any], key: str, path: str) -> None:
        value = parent.get(key)
        if value is not None and not (isinstance(value, str) and _GUID.fullmatch(value)):
            self.add(path, "a GUID", value)


_MISSING: Final[Any] = object()


def validate_document(doc: dict[str, Any]) -> list[str]:
    """Every problem in a config document, each as `key.path: expected ..., got ...`.

    An empty list means the document is valid. Keys this product doesn't know are ignored (and
    kept when the CLI rewrites the file). `null` counts as absent for optional keys.
    """
    check = _Checker()
    if not isinstance(doc, dict):
        return [f"(top level): expected an object, got {describe(doc)}"]
    _api_server(check, doc)
    _storage(check, doc)
    _shared_secrets(check, doc)
    _ssl(check, doc)
    _integrations(check, doc)
    return check.problems


def _api_server(check: _Checker, doc: Mapping[str, Any]) -> None:
    api = doc.get("apiServer")
    if api is None:
        check.add("apiServer.publicApiUrl", PUBLIC_URL_EXPECTED, _MISSING)
        return
    if not isinstance(api, dict):
        check.add("apiServer", "an object", api)
        return
    if "publicApiUrl" not in api:
        check.add("apiServer.publicApiUrl", PUBLIC_URL_EXPECTED, _MISSING)
    else:
        reason = check_public_url(api["publicApiUrl"])
        if reason:
            check.problems.append(f"apiServer.publicApiUrl: {reason}")
    check.optional_str(api, "host", "apiServer.host")
    port = api.get("port")
    if port is not None and (
        not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535
    ):
        check.add("apiServer.port", "a whole number from 1 to 65535", port)


def _storage(check: _Checker, doc: Mapping[str, Any]) -> None:
    storage = check.obj(doc, "storage", "storage")
    if storage is None:
        return
    chosen = [k for k in ("sqlite", "postgres") if storage.get(k) is not None]
    expected = 'exactly one of "sqlite" or "postgres"'
    if len(chosen) == 2:
        check.problems.append(f"storage: expected {expected}, got both")
        return
    if not chosen:
        others = [k for k, v in storage.items() if v is not None]
        got = ", ".join(json.dumps(k) for k in others) if others else "neither"
        hint = " (MongoDB is not supported)" if "mongo" in others else ""
        check.problems.append(f"storage: expected {expected}, got {got}{hint}")
        return
    if chosen[0] == "sqlite":
        sqlite = check.obj(storage, "sqlite", "storage.sqlite")
        if sqlite is not None:
            check.optional_str(sqlite, "path", "storage.sqlite.path")
        return
    postgres = check.obj(storage, "postgres", "storage.postgres")
    if postgres is None:
        return
    url = postgres.get("url", _MISSING)
    if check_postgres_url(url) is not None:
        check.add("storage.postgres.url", POSTGRES_URL_EXPECTED, url)


POSTGRES_URL_EXPECTED: Final = (
    "a URL starting with postgresql://, postgres:// or postgresql+psycopg://, "
    'like "postgresql://user:password@db.example.com:5432/codestream"'
)


def check_postgres_url(value: Any) -> str | None:
    """Why `value` is no good as a PostgreSQL URL, or None when it is fine."""
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return f"expected {POSTGRES_URL_EXPECTED}"
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in POSTGRES_SCHEMES:
        return f"expected {POSTGRES_URL_EXPECTED}"
    try:
        urlsplit(value).port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"expected {POSTGRES_URL_EXPECTED} (the port is not a number from 1 to 65535)"
    if not rest.strip("/"):
        return f"expected {POSTGRES_URL_EXPECTED} (it names no host or database)"
    return None


def _shared_secrets(check: _Checker, doc: Mapping[str, Any]) -> None:
    expected = f"a string of at least {MIN_SECRET_LENGTH} characters"
    secrets = doc.get("sharedSecrets")
    if secrets is None:
        for key in ("auth", "cookie"):
            check.add(f"sharedSecrets.{key}", expected, _MISSING)
        return
    if not isinstance(secrets, dict):
        check.add("sharedSecrets", "an object", secrets, secret=True)
        return
    for key in ("auth", "cookie"):
        value = secrets.get(key, _MISSING)
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            check.add(f"sharedSecrets.{key}", expected, value, secret=True)


def _ssl(check: _Checker, doc: Mapping[str, Any]) -> None:
    ssl = check.obj(doc, "ssl", "ssl")
    if ssl is None:
        return
    check.optional_str(ssl, "certfile", "ssl.certfile")
    check.optional_str(ssl, "keyfile", "ssl.keyfile")
    has_cert, has_key = ssl.get("certfile") is not None, ssl.get("keyfile") is not None
    if has_cert != has_key:
        only = "certfile" if has_cert else "keyfile"
        check.problems.append(
            f"ssl: expected both certfile and keyfile, or neither, got only {only}"
        )


def _integrations(check: _Checker, doc: Mapping[str, Any]) -> None:
    integrations = check.obj(doc, "integrations", "integrations")
    if integrations is None:
        return
    msteams = check.obj(integrations, "msteams", "integrations.msteams")
    if msteams is None:
        return
    for name, block in msteams.items():
        path = f"integrations.msteams.{name}"
        if not isinstance(block, dict):
            check.add(path, "an object", block)
            continue
        _msteams_block(check, block, path)


def _msteams_block(check: _Checker, block: Mapping[str, Any], path: str) -> None:
    check.guid(block, "botAppId", f"{path}.botAppId")
    check.guid(block, "botAppTenantId", f"{path}.botAppTenantId")
    password = block.get("botAppPassword")
    if password is not None and (not isinstance(password, str) or password == ""):
        check.add(f"{path}.botAppPassword", "a non-empty string", password, secret=True)
    cloud = block.get("cloud")
    if cloud is not None and cloud not in CLOUDS:
        check.add(f"{path}.cloud", "one of " + ", ".join(json.dumps(c) for c in CLOUDS), cloud)
    for key in ("openIdMetadataUrl", "tokenIssuer", "loginUrl"):
        check.optional_url(block, key, f"{path}.{key}", https=False)
    _allow_list(check, block.get("serviceUrlAllowList"), f"{path}.serviceUrlAllowList")
    disabled = block.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        check.add(f"{path}.disabled", "true or false", disabled)
    package = check.obj(block, "appPackage", f"{path}.appPackage")
    if package is not None:
        _app_package(check, package, f"{path}.appPackage")


def _allow_list(check: _Checker, hosts: Any, path: str) -> None:
    if hosts is None:
        return
    expected = 'a list of host names like ["smba.trafficmanager.net"] (null for the defaults)'
    if not isinstance(hosts, list) or not hosts:
        check.add(path, expected, hosts)
        return
    for i, host in enumerate(hosts):
        item = f"{path}.{i}"
        if not isinstance(host, str):
            check.add(item, 'a host name like "smba.trafficmanager.net"', host)
        elif "*" in host:
            check.add(item, "an exact host name (wildcards are not allowed)", host)
        elif not _is_host(host):
            check.add(item, "a bare host name, without scheme, port or path", host)


def _app_package(check: _Checker, package: Mapping[str, Any], path: str) -> None:
    for key in APP_PACKAGE_FIELDS:
        if key in _APP_PACKAGE_URLS:
            check.optional_url(package, key, f"{path}.{key}", https=True)
        elif key == "readChannelMessages":
            value = package.get(key)
            if value is not None and not isinstance(value, bool):
                check.add(f"{path}.{key}", "true or false", value)
        elif key == "accentColor":
            color = package.get(key)
            if color is not None and not (isinstance(color, str) and _COLOR.fullmatch(color)):
                check.add(f"{path}.{key}", 'a color like "#FFFFFF"', color)
        else:
            check.optional_str(package, key, f"{path}.{key}")
