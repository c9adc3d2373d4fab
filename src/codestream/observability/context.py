"""The request id: one short id per inbound request, carried to the outbox rows it queued and to
the log lines of their sends. Standard library only."""

from __future__ import annotations

import secrets
from contextvars import ContextVar, Token

__all__ = ["current_request_id", "new_request_id", "reset_request_id", "set_request_id"]

_REQUEST_ID: ContextVar[str | None] = ContextVar("codestream_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside one."""
    return _REQUEST_ID.get()


def new_request_id() -> str:
    """A fresh id (12 hex digits); `set_request_id` makes it current."""
    return secrets.token_hex(6)


def set_request_id(value: str | None) -> Token[str | None]:
    """Make `value` current until `reset_request_id` with the returned token."""
    return _REQUEST_ID.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    """Undo the `set_request_id` that returned `token`."""
    _REQUEST_ID.reset(token)
