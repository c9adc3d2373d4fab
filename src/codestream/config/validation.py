"""Validation of a config document against the settings table.

Every problem reads `key.path: expected ..., got ...`. Values of secret keys are never echoed; a
URL's password is masked before it is quoted. Keys the table doesn't know are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from codestream.config.checks import describe
from codestream.config.settings import SETTINGS, Setting, settings_under

__all__ = ["validate_block", "validate_document"]

_MISSING: Final[Any] = object()
_ANY_NAME: Final = "<name>"

Entries = list[tuple[list[str], Setting]]  # each setting with its path parts still to walk


def _problem(path: str, expected: str, value: Any, *, secret: bool = False) -> str:
    got = "nothing" if value is _MISSING else describe(value, secret=secret)
    return f"{path}: expected {expected}, got {got}"


def _one_storage(storage: Mapping[str, Any]) -> str | None:
    chosen = [k for k in ("sqlite", "postgres") if storage.get(k) is not None]
    expected = 'exactly one of "sqlite" or "postgres"'
    if len(chosen) == 2:
        return f"expected {expected}, got both"
    if not chosen:
        others = [k for k, v in storage.items() if v is not None]
        got = ", ".join(json.dumps(k) for k in others) if others else "neither"
        hint = " (MongoDB is not supported)" if "mongo" in others else ""
        return f"expected {expected}, got {got}{hint}"
    return None


def _both_ssl_files(ssl: Mapping[str, Any]) -> str | None:
    has_cert, has_key = ssl.get("certfile") is not None, ssl.get("keyfile") is not None
    if has_cert == has_key:
        return None
    only = "certfile" if has_cert else "keyfile"
    return f"expected both certfile and keyfile, or neither, got only {only}"


SectionRule = Callable[[Mapping[str, Any]], str | None]
# Rules about several keys of a section. A rule before the keys stops the section when it fails.
_BEFORE: Final[Mapping[str, SectionRule]] = {"storage": _one_storage}
_AFTER: Final[Mapping[str, SectionRule]] = {"ssl": _both_ssl_files}


def _check(entry: Setting, path: str, value: Any) -> list[str]:
    if value is _MISSING or (value is None and not entry.required):
        return [_problem(path, entry.kind.expected, value)] if entry.required else []
    expected = entry.kind.why(value)
    if expected is not None:
        return [_problem(path, expected, value, secret=entry.secret)]
    if entry.items is None:
        return []
    problems = []
    for i, item in enumerate(value):
        if (item_expected := entry.items.why(item)) is not None:
            problems.append(_problem(f"{path}.{i}", item_expected, item, secret=entry.secret))
    return problems


def _groups(entries: Entries) -> Iterator[tuple[str, Entries]]:
    """Entries grouped by their next path part, in the order of the table."""
    groups: dict[str, Entries] = {}
    for parts, entry in entries:
        groups.setdefault(parts[0], []).append((parts, entry))
    yield from groups.items()


def _walk(node: Mapping[str, Any], where: str, entries: Entries) -> list[str]:
    problems: list[str] = []
    for key, group in _groups(entries):
        children = list(node.items()) if key == _ANY_NAME else [(key, node.get(key, _MISSING))]
        leaf = next((entry for parts, entry in group if len(parts) == 1), None)
        rest = [(parts[1:], entry) for parts, entry in group if len(parts) > 1]
        for name, value in children:
            path = f"{where}.{name}"
            if leaf is not None:
                problems += _check(leaf, path, value)
            elif value is _MISSING or value is None:
                continue  # an absent object: its keys are all optional
            elif not isinstance(value, dict):
                secret = all(entry.secret for _, entry in rest)
                problems.append(_problem(path, "an object", value, secret=secret))
            else:
                problems += _walk(value, path, rest)
    return problems


def _object(raw: Any, prefix: str, where: str, entries: Entries) -> list[str]:
    """The problems of `raw`, the object at the table path `prefix`, named `where`."""
    if raw is None:  # an absent object counts as empty, so its required keys are missing
        return _walk({}, where, entries)
    if not isinstance(raw, dict):
        secret = all(entry.secret for _, entry in entries)
        return [_problem(where, "an object", raw, secret=secret)]
    before, after = _BEFORE.get(prefix), _AFTER.get(prefix)
    if before is not None and (reason := before(raw)) is not None:
        return [f"{where}: {reason}"]
    problems = _walk(raw, where, entries)
    if after is not None and (reason := after(raw)) is not None:
        problems.append(f"{where}: {reason}")
    return problems


def _sections() -> Iterator[tuple[str, Entries]]:
    for section, group in _groups([(s.path.split("."), s) for s in SETTINGS]):
        yield section, [(parts[1:], entry) for parts, entry in group]


def validate_document(doc: dict[str, Any]) -> list[str]:
    """Every problem in a config document, each as `key.path: expected ..., got ...`.

    An empty list means the document is valid. Keys this product doesn't know are ignored (and
    kept when the CLI rewrites the file). `null` counts as absent for optional keys.
    """
    if not isinstance(doc, dict):
        return [f"(top level): expected an object, got {describe(doc)}"]
    problems: list[str] = []
    for section, entries in _sections():
        problems += _object(doc.get(section), section, section, entries)
    return problems


def validate_block(value: Any, prefix: str, *, where: str | None = None) -> list[str]:
    """The problems of `value` taken as the object at the table path `prefix`.

    `prefix` is a path as in the table (`delivery`, `integrations.msteams.<name>.appPackage`);
    problems name `where` (default: `prefix`) in its place. An absent (None) value counts as
    empty. Raises KeyError when the table has no keys under `prefix`.
    """
    entries = [(s.path.removeprefix(prefix + ".").split("."), s) for s in settings_under(prefix)]
    if not entries:
        raise KeyError(prefix)
    return _object(value, prefix, where or prefix, entries)
