"""Input rules shared by the use cases. Each check raises InvalidInput naming the field."""

from __future__ import annotations

import posixpath
import re

from codestream.errors import InvalidInput

EMAIL_PATTERN = re.compile(
    r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
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


def email(value: str) -> str:
    """A trimmed, lower-cased email address."""
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not EMAIL_PATTERN.match(cleaned):
        raise InvalidInput(
            f"email: expected an address like ada@example.com, got {value!r:.80}", field="email"
        )
    return cleaned


def username(value: str) -> str:
    """A username: letters, digits, dot, dash, underscore; up to 40 characters."""
    if not USERNAME_PATTERN.match(value):
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
    return value


def text(value: str, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
    """Free text, trimmed; required means it may not be empty."""
    cleaned = value.strip()
    if "\x00" in cleaned:
        raise InvalidInput(f"{field}: must not contain NUL characters", field=field)
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
    if not raw or "\x00" in raw or len(raw) > MAX_FILE:
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
    if not SHA_PATTERN.match(cleaned):
        raise InvalidInput(
            f"commitSha: expected 7-64 hex digits, got {value!r:.80}", field="commitSha"
        )
    return cleaned


def optional_line(value: str | None, *, field: str, limit: int = 255) -> str | None:
    """An optional single-line value such as a branch name."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if len(cleaned) > limit or any(ch in cleaned for ch in "\x00\n\r"):
        raise InvalidInput(f"{field}: expected one line of at most {limit} characters", field=field)
    return cleaned
