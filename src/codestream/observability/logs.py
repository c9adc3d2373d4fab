"""Log lines that explain, in the format the admin picked (`logging.format`), with no secret.

- `text` (the default): `2026-12-02 21:40:00,123 WARNING codestream.delivery: ... [request 3f2a..]`
- `json`: one object a line, with the field names common log shippers read: `timestamp`
  (ISO 8601, UTC), `level`, `logger`, `message`, and `request_id`, `exception` when there is one,
  plus the fields a call passes in `extra` (`outbox_row`, `next_attempt_at`, ...).

Every handler carries two filters: `RedactQuerySecrets` masks the values of secret-named query
parameters (uvicorn's access log included), `RequestIdFilter` adds the current request id
(`context.py`). The same config serves `codestream serve` (through uvicorn) and `codestream
worker`.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from codestream.observability.context import current_request_id

__all__ = [
    "FORMATS",
    "JsonFormatter",
    "RedactQuerySecrets",
    "RequestIdFilter",
    "TextFormatter",
    "configure_logging",
    "logging_config",
    "redact_query_secrets",
]

FORMATS: Final = ("text", "json")

REDACTED = "***"
SECRET_WORDS = frozenset(
    {
        "auth",
        "code",
        "credential",
        "credentials",
        "jwt",
        "key",
        "nonce",
        "otp",
        "pass",
        "passwd",
        "password",
        "secret",
        "session",
        "sig",
        "signature",
        "state",
        "ticket",
        "token",
    }
)
"""A query parameter whose name has one of these words (`state`, `access_token`, `apiKey`) is
masked in logs."""

_QUERY_PARAMETER = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#?\s\"']+)=(?P<value>[^&;#\s\"']*)")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _is_secret_name(name: str) -> bool:
    return any(word.lower() in SECRET_WORDS for word in _WORD.findall(name))


def redact_query_secrets(text: str) -> str:
    """`text` with the value of every secret-named query parameter replaced by `***`."""
    if "=" not in text:
        return text

    def mask(match: re.Match[str]) -> str:
        if not match["value"] or not _is_secret_name(match["name"]):
            return match[0]
        return f"{match['lead']}{match['name']}={REDACTED}"

    return _QUERY_PARAMETER.sub(mask, text)


def _redacted(value: Any) -> Any:
    return redact_query_secrets(value) if isinstance(value, str) else value


class RedactQuerySecrets(logging.Filter):
    """A handler filter: masks secret query values in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if isinstance(record.msg, str):
            record.msg = redact_query_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        return True


class RequestIdFilter(logging.Filter):
    """A handler filter: puts the current request id on the record (`request_id`, or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


_STANDARD_FIELDS: Final = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [request id]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The line, with the request id at its end when there is one."""
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON: timestamp, level, logger, message, then the rest."""
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for name, value in vars(record).items():
            if name not in _STANDARD_FIELDS and not name.startswith("_"):
                entry[name] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False)


def logging_config(fmt: str = "text") -> dict[str, Any]:
    """The `logging.config.dictConfig` of a process: uvicorn's loggers and ours (root: warnings;
    `codestream.*`: info) writing to stderr through one handler in `fmt`, both filters on."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    formatter = {"()": f"{__name__}.{'JsonFormatter' if fmt == 'json' else 'TextFormatter'}"}
    config["formatters"] = {"default": formatter, "access": formatter}
    config["filters"] = {
        "redact_query_secrets": {"()": f"{__name__}.RedactQuerySecrets"},
        "request_id": {"()": f"{__name__}.RequestIdFilter"},
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_query_secrets", "request_id"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    config["loggers"]["codestream"] = {"level": "INFO"}
    return config


def configure_logging(fmt: str = "text") -> None:
    """Apply `logging_config(fmt)` to this process (the worker; uvicorn applies it itself)."""
    logging.config.dictConfig(logging_config(fmt))
