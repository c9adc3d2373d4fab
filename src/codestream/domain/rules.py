"""Input rules shared by the use cases. Each check raises InvalidInput naming the field."""

from __future__ import annotations

import posixpath
import re
from typing import Literal

from codestream.domain.ids import is_id
from codestream.errors import InvalidInput

EMAIL_PATTERN = re.compile(
    r"^[^@\s<>\"'\x00-\x1f\x7f\ud800-\udfff]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SHA_PATTERN = re.compile(r"^[0-9a-f]{7,64}$")

MAX_TITLE = 500
MAX_TEXT = 50_000
MAX_CODE = 100_000
MAX_NAME = 200
MAX_TAGS = 20
MAX_TAG = 50
MAX_FILE = 1024
MAX_LINE = 10_000_000
MAX_REMOTE = 1000
MAX_NORMALIZED_URL = 1000
MAX_REMOTE_CODE_URL = 2000

# Characters no database can store as text: NUL (PostgreSQL refuses it) and lone surrogates
# (not encodable as UTF-8). Every string that reaches storage is checked against this.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def storable(value: str, *, field: str) -> str:
    """`value` unchanged, or InvalidInput when it holds NUL characters or lone surrogates."""
    found = _UNSTORABLE.search(value)
    if found is not None:
        what = "NUL characters" if found.group() == "\x00" else "unpaired surrogate characters"
        raise InvalidInput(f"{field}: must not contain {what}", field=field)
    return value


def email(value: str) -> str:
    """A trimmed, lower-cased email address."""
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not EMAIL_PATTERN.fullmatch(cleaned):
        raise InvalidInput(
            f"email: expected an address like ada@example.com, got {value!r:.80}", field="email"
        )
    return cleaned


def username(value: str) -> str:
    """A username: letters, digits, dot, dash, underscore; up to 40 characters."""
    if not USERNAME_PATTERN.fullmatch(value):
        raise InvalidInput(
            "username: expected 1-40 letters, digits, '.', '-' or '_', starting with a letter "
            f"or digit, got {value!r:.80}",
            field="username",
        )
    return value


def password(value: str) -> str:
    """A password of 8 to 1024 characters."""
    if not 8 <= len(value) <= 1024:
        raise InvalidInput("password: expected 8 to 1024 characters", field="password")
    if _UNSTORABLE.search(value.replace("\x00", "")):
        raise InvalidInput(
            "password: must not contain unpaired surrogate characters", field="password"
        )
    return value


def user_key(value: str) -> tuple[Literal["email", "username"], str] | None:
    """How to look a user up by `value` (an email or a username), or None if it can be neither."""
    key = value.strip()
    if "@" in key:
        lowered = key.lower()
        return ("email", lowered) if EMAIL_PATTERN.fullmatch(lowered) else None
    return ("username", key) if USERNAME_PATTERN.fullmatch(key) else None


def object_id(value: str | None, *, field: str) -> str | None:
    """An optional id used as a filter: 24 hex digits, else InvalidInput naming the field."""
    if value is None:
        return None
    if not is_id(value):
        raise InvalidInput(
            f"{field}: expected an id of 24 hex digits, got {value!r:.40}", field=field
        )
    return value


def remote(value: str) -> str:
    """A git remote URL, trimmed: one token of at most 1000 characters, no spaces or controls."""
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_REMOTE:
        raise InvalidInput(
            f"remotes: expected a git remote URL of 1 to {MAX_REMOTE} characters", field="remotes"
        )
    storable(cleaned, field="remotes")
    if _CONTROL_OR_SPACE.search(cleaned):
        raise InvalidInput(
            f"remotes: {cleaned!r:.80} contains spaces or control characters", field="remotes"
        )
    return cleaned


def text(value: str, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
    """Free text, trimmed; required means it may not be empty."""
    cleaned = storable(value, field=field).strip()
    if required and not cleaned:
        raise InvalidInput(f"{field}: required", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters, got {len(cleaned)}", field=field)
    return cleaned


def name(value: str, *, field: str) -> str:
    """A required one-line name of at most 200 characters."""
    cleaned = text(value, field=field, required=True, limit=MAX_NAME)
    if "\n" in cleaned or "\r" in cleaned:
        raise InvalidInput(f"{field}: must be a single line", field=field)
    return cleaned


def tags(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Distinct, trimmed tags, at most 20 of at most 50 characters each."""
    cleaned: list[str] = []
    for value in values:
        tag = name(value, field="tags")
        if len(tag) > MAX_TAG:
            raise InvalidInput(f"tags: each at most {MAX_TAG} characters", field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(f"tags: at most {MAX_TAGS}, got {len(cleaned)}", field="tags")
    return tuple(cleaned)


def file_path(value: str) -> str:
    """A file path relative to the repo root, with forward slashes and no way out of the repo."""
    raw = value.replace("\\", "/").strip()
    if not raw or _UNSTORABLE.search(raw) or len(raw) > MAX_FILE:
        raise InvalidInput(
            f"file: expected a path relative to the repo root, got {value!r:.80}", field="file"
        )
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise InvalidInput(
            f"file: expected a relative path, got the absolute {value!r:.80}", field="file"
        )
    normalized = posixpath.normpath(raw)
    if normalized == ".." or normalized.startswith("../") or normalized == ".":
        raise InvalidInput(f"file: the path {value!r:.80} leaves the repository", field="file")
    return normalized


def line_range(start: int, end: int, start_column: int | None, end_column: int | None) -> None:
    """Lines are 1-based and inclusive; end is not before start; columns are not negative."""
    if not 1 <= start <= MAX_LINE:
        raise InvalidInput(
            f"lines: start must be between 1 and {MAX_LINE}, got {start}", field="lines"
        )
    if not start <= end <= MAX_LINE:
        raise InvalidInput(
            f"lines: end must be between start ({start}) and {MAX_LINE}, got {end}", field="lines"
        )
    for column in (start_column, end_column):
        if column is not None and not 0 <= column <= 100_000:
            raise InvalidInput(
                f"lines: columns must be between 0 and 100000, got {column}", field="lines"
            )
    if (
        start == end
        and start_column is not None
        and end_column is not None
        and end_column < start_column
    ):
        raise InvalidInput(
            "lines: end column is before start column on a one-line range", field="lines"
        )


def commit_sha(value: str | None) -> str | None:
    """A hex commit id of 7 to 64 digits, lower-cased, or None."""
    if value is None or value == "":
        return None
    cleaned = value.strip().lower()
    if not SHA_PATTERN.fullmatch(cleaned):
        raise InvalidInput(
            f"commitSha: expected 7-64 hex digits, got {value!r:.80}", field="commitSha"
        )
    return cleaned


def optional_line(value: str | None, *, field: str, limit: int = 255) -> str | None:
    """An optional single-line value such as a branch name."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if len(cleaned) > limit or any(ch in cleaned for ch in "\n\r") or _UNSTORABLE.search(cleaned):
        raise InvalidInput(f"{field}: expected one line of at most {limit} characters", field=field)
    return cleaned
