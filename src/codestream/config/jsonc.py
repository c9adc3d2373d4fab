"""Tolerant JSON: the config file may carry `//` and `/* */` comments and trailing commas.

The original product read this file with hjson, so admins' files have comments in them. We accept
exactly those two extensions on top of JSON, nothing more (no unquoted keys or strings).

How: comments and trailing commas are blanked out with spaces of the same length (newlines kept),
so every remaining character keeps its line and column, and the standard `json` module's error
positions point at the right place in the admin's file.
"""

from __future__ import annotations

import json
from typing import Any

from codestream.errors import ConfigError

__all__ = ["has_comments", "parse_document"]


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


def _strip_comments(text: str, source: str) -> str:
    """Replace comments outside strings by spaces; raise on an unterminated block comment."""
    chars = list(text)
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"' or c == "\n":
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            _blank(chars, i, end)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                line, col = _line_col(text, i)
                raise ConfigError(f"{source}:{line}:{col}: a /* comment is never closed with */")
            _blank(chars, i, end + 2)
            i = end + 2
        else:
            i += 1
    return "".join(chars)


def _strip_trailing_commas(text: str) -> str:
    """Replace each comma that is followed (after whitespace) by `}` or `]` with a space."""
    chars = list(text)
    i, n = 0, len(text)
    in_string = False
    previous = ""  # the last significant character outside strings
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"' or c == "\n":
                in_string = False
        elif c == '"':
            in_string = True
            previous = c
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            # `[1,]` loses its comma; `[,]` and `[1,,]` stay broken for json to report.
            if j < n and text[j] in "}]" and previous not in ("", "{", "[", ","):
                chars[i] = " "
            previous = c
        elif c not in " \t\r\n":
            previous = c
        i += 1
    return "".join(chars)


def has_comments(text: str) -> bool:
    """Whether `text` has `//` or `/* */` comments outside strings (lost when rewritten)."""
    try:
        return _strip_comments(text, "<text>") != text
    except ConfigError:  # an unterminated comment is still a comment
        return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_document(text: str, *, source: str = "<string>") -> dict[str, Any]:
    """Parse config text: JSON plus `//` and `/* */` comments and trailing commas.

    Raises `ConfigError` naming `source` and the line:col of a syntax error (never quoting the
    line, which may hold a secret), for a key given twice in one object, and when the top level
    is not an object.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    cleaned = _strip_trailing_commas(_strip_comments(text, source))
    try:
        value = json.loads(
            cleaned, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except _DuplicateKey as exc:
        raise ConfigError(
            f"{source}: the key {json.dumps(exc.key)} appears twice in the same object; "
            "keep only one"
        ) from None
    except ValueError as exc:  # NaN / Infinity
        raise ConfigError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{source}: expected a JSON object {{...}} at the top level, got {_kind(value)}"
        )
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
