"""The config file as a JSON document: read, write (backup + atomic), get/set by key path, mask."""

from __future__ import annotations

import contextlib
import copy
import errno
import json
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from codestream.config.checks import (
    check_public_url,
    describe,
    is_secret_key,
    mask_url_password,
)
from codestream.config.jsonc import parse_document
from codestream.config.secret import MASK, Secret
from codestream.config.settings import (
    BLOCK,
    DEFAULT_API_HOST,
    DEFAULT_API_PORT,
    default_of,
    settings_under,
)
from codestream.errors import ConfigError

__all__ = [
    "DEFAULT_API_HOST",
    "DEFAULT_API_PORT",
    "get_value",
    "is_secret_path",
    "masked",
    "new_document",
    "read_document",
    "resolve_key",
    "set_value",
    "write_document",
]

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700

KeyPart = str | int

# The keys of an msteams block, so `set_value` knows where a dotted block name ends. The seed's
# appClientId and appClientSecret (its sign-in app, not read by these services) count too.
_BLOCK_FIELDS: Final = frozenset(
    {s.path.removeprefix(BLOCK + ".").split(".")[0] for s in settings_under(BLOCK)}
    | {"appClientId", "appClientSecret"}
)


def read_document(path: Path) -> dict[str, Any]:
    """Read and parse the config file at `path` (comments and trailing commas allowed).

    Raises `ConfigError` when the file is missing, unreadable, not UTF-8, not valid JSON (with
    line:col), or not a JSON object.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no config file there. Create one with "
            "`codestream init --public-url https://your.host`, or point --config or "
            "CSSVC_CFG_FILE at yours",
            code="config_missing",
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a JSON config file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read it: permission denied") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: expected UTF-8 text, got a bad byte at offset {exc.start}"
        ) from None
    return parse_document(text, source=str(path))


def new_document(public_api_url: str) -> dict[str, Any]:
    """A fresh config: the public URL, loopback API server, SQLite storage, random secrets.

    Raises `ConfigError` when `public_api_url` is not an absolute http(s) URL of a host.
    """
    reason = check_public_url(public_api_url)
    if reason:
        raise ConfigError(f"--public-url: {reason}")
    return {
        "apiServer": {
            "publicApiUrl": public_api_url.rstrip("/"),
            "host": DEFAULT_API_HOST,
            "port": DEFAULT_API_PORT,
        },
        "storage": {"sqlite": {"path": default_of("storage.sqlite.path")}},
        "sharedSecrets": {
            "auth": secrets.token_urlsafe(32),
            "cookie": secrets.token_urlsafe(32),
        },
    }


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_new_file(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist) with mode 0600, write `data` and fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup(target: Path) -> Path:
    data = target.read_bytes()
    for attempt in range(100):
        suffix = f".{attempt}" if attempt else ""
        backup = target.with_name(f"{target.name}.{_timestamp()}{suffix}.bak")
        try:
            _write_new_file(backup, data)
        except FileExistsError:
            continue
        return backup
    raise FileExistsError(f"{target}: could not find a free backup name")


def write_document(path: Path, doc: dict[str, Any]) -> Path | None:
    """Write `doc` as plain JSON (comments are not kept) to `path`, mode 0600, atomically.

    If the file exists it is first copied to `<name>.<UTC timestamp>.bak` in the same directory
    (mode 0600), and that backup's path is returned; else None. The new content goes to a temp
    file in the same directory, is fsynced, then renamed over the old file, so readers see the
    old or the new file, never half of one. A missing parent directory is created with mode
    0700. A symlink at `path` is followed, so the file it points to is rewritten.

    Raises `ConfigError` (and leaves no temp file, backup or change behind) when the document is
    not JSON-serializable or the location is not writable.
    """
    try:
        data = (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot write {path}: the document is not plain JSON ({exc})") from None
    target = path.resolve() if path.is_symlink() else path
    directory = target.parent
    backup: Path | None = None
    tmp_name: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        if target.exists():
            if target.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a directory", str(target))
            backup = _backup(target)
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb", closefd=False) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            os.close(fd)
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_dir(directory)
    except OSError as exc:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
        reason = exc.strerror or str(exc)
        where = exc.filename or target
        raise ConfigError(f"cannot write {path}: {where}: {reason}; nothing was changed") from None
    return backup


# --- key paths ---------------------------------------------------------------------------------


def _split(key_path: str) -> list[str]:
    parts = key_path.split(".")
    if not key_path or any(part == "" for part in parts):
        raise ConfigError(
            f'expected a key path like "apiServer.port", got {json.dumps(key_path)}',
            code="bad_key_path",
        )
    return parts


def _longest_key(node: dict[str, Any], parts: list[str], start: int) -> tuple[str, int] | None:
    for end in range(len(parts), start, -1):
        candidate = ".".join(parts[start:end])
        if candidate in node:
            return candidate, end
    return None


def _index(node: list[Any], part: str) -> int | None:
    if part.isdigit():
        index = int(part)
        if index < len(node):
            return index
    return None


def _no_such_key(key_path: str, where: list[KeyPart], node: Any) -> ConfigError:
    shown = ".".join(str(p) for p in where) or "the top level"
    if isinstance(node, dict) and node:
        known = ", ".join(sorted(str(k) for k in node))
        hint = f" (keys at {shown}: {known})"
    elif isinstance(node, list):
        hint = f" ({shown} is a list of {len(node)})"
    elif where:
        hint = f" ({shown} is {describe(node, secret=True)}, not an object)"
    else:
        hint = ""
    return ConfigError(f"no such key: {key_path}{hint}", code="no_such_key")


def resolve_key(doc: dict[str, Any], key_path: str) -> list[KeyPart]:
    """The real keys behind a dotted path, matching the longest existing key at each level.

    `integrations.msteams.microsoft.com.botAppId` -> `["integrations", "msteams",
    "microsoft.com", "botAppId"]`. Digits index into lists. Raises `ConfigError` "no such key".
    """
    parts = _split(key_path)
    node: Any = doc
    resolved: list[KeyPart] = []
    i = 0
    while i < len(parts):
        if isinstance(node, dict):
            match = _longest_key(node, parts, i)
            if match is None:
                raise _no_such_key(key_path, resolved, node)
            key, i = match
            resolved.append(key)
            node = node[key]
        elif isinstance(node, list) and (index := _index(node, parts[i])) is not None:
            resolved.append(index)
            node = node[index]
            i += 1
        else:
            raise _no_such_key(key_path, resolved, node)
    return resolved


def get_value(doc: dict[str, Any], key_path: str) -> Any:
    """The value at a dotted key path (see `resolve_key`); raises `ConfigError` "no such key"."""
    node: Any = doc
    for key in resolve_key(doc, key_path):
        node = node[key]
    return node


def _block_name_length(rest: list[str]) -> int:
    """How many dotted parts make up a new msteams block name (`microsoft.com` is one key)."""
    for i in range(1, len(rest)):
        if rest[i] in _BLOCK_FIELDS:
            return i
    if rest[:2] == ["microsoft", "com"]:
        return 2
    return 1


def _new_keys(where: list[KeyPart], remaining: list[str]) -> list[str]:
    keys: list[str] = []
    at: list[KeyPart] = list(where)
    i = 0
    while i < len(remaining):
        if at == ["integrations", "msteams"]:
            n = _block_name_length(remaining[i:])
            key = ".".join(remaining[i : i + n])
            i += n
        else:
            key = remaining[i]
            i += 1
        keys.append(key)
        at.append(key)
    return keys


def set_value(doc: dict[str, Any], key_path: str, value: Any) -> None:
    """Set the value at a dotted key path, creating missing objects (and replacing nulls).

    Existing keys are matched as in `resolve_key`; new keys under `integrations.msteams` group
    the block name, so `integrations.msteams.microsoft.com.botAppId` creates the block
    `"microsoft.com"`. Raises `ConfigError` when the path runs through a non-object value.
    """
    parts = _split(key_path)
    node: Any = doc
    where: list[KeyPart] = []
    i = 0
    while i < len(parts):
        if isinstance(node, dict):
            match = _longest_key(node, parts, i)
            if match is None:
                break
            key, end = match
            if end == len(parts):
                node[key] = value
                return
            if node[key] is None:
                node[key] = {}
            where.append(key)
            node, i = node[key], end
        elif isinstance(node, list):
            index = _index(node, parts[i])
            if index is None:
                shown = ".".join(str(p) for p in where)
                raise ConfigError(
                    f"cannot set {key_path}: {shown} is a list of {len(node)}, and "
                    f"{json.dumps(parts[i])} is not an index in it; set the whole list instead",
                    code="bad_key_path",
                )
            if i + 1 == len(parts):
                node[index] = value
                return
            where.append(index)
            node, i = node[index], i + 1
        else:
            break
    if not isinstance(node, dict):
        shown = ".".join(str(p) for p in where)
        raise ConfigError(
            f"cannot set {key_path}: {shown} is {describe(node, secret=True)}, not an object",
            code="bad_key_path",
        )
    keys = _new_keys(where, parts[i:])
    for key in keys[:-1]:
        node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def is_secret_path(path: list[KeyPart]) -> bool:
    """Whether a value at these real keys is masked by `masked()`."""
    return any(isinstance(k, str) and is_secret_key(k) for k in path)


# --- masking -----------------------------------------------------------------------------------


def _mask(value: Any, secret: bool) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, secret or is_secret_key(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secret) for v in value]
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, str):
        if secret and value:
            return MASK
        return mask_url_password(value)
    return copy.deepcopy(value)


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `doc` that is safe to print.

    Replaced by `********`: non-empty strings under any key naming a password, secret, token,
    key or credential (`botAppPassword`, everything in `sharedSecrets`, `apiKey`, ...), but not
    keys that name a path, URL, issuer, id or duration (`ssl.keyfile`, `tokenIssuer`); and the
    password inside any URL (`postgresql://user:********@host/db`). Empty strings stay visible.
    """
    result = _mask(doc, False)
    assert isinstance(result, dict)
    return result
