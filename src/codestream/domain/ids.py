"""Identifiers: 24 hex characters, time-ordered like MongoDB ObjectIds so listings page by id."""

from __future__ import annotations

import re
import secrets
import time

_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


def new_id(now_ms: int | None = None) -> str:
    """A fresh id: 12 hex digits of milliseconds since the epoch, then 12 random hex digits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{ms:012x}{secrets.token_hex(6)}"


def is_id(value: str) -> bool:
    """True when `value` has the shape of an id (it may still not exist)."""
    return bool(_ID_PATTERN.match(value))
