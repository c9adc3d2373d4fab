"""One mapper between table rows and the domain's dataclasses, driven by the dataclasses' fields.

A column has the name of its field. Where the types differ (an enum stored as its value, a tuple
stored as a JSON list), the caller names a converter for that field; every other value passes as
it is. The field names of each class are computed once, so the hot paths (the outbox's claim and
bulk enqueue) pay one dict lookup per field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa

T = TypeVar("T")
Convert = Callable[[Any], Any]
AnyRow = sa.Row[*tuple[Any, ...]]
"""A result row of any columns."""

_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The dataclass's field names, in order (computed once per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return names


def from_row(
    cls: type[T],
    row: AnyRow,
    *,
    prefix: str = "",
    given: Mapping[str, Any] | None = None,
    **convert: Convert,
) -> T:
    """An instance of `cls` from the row's columns named like its fields (after `prefix`, for
    a joined row); `given` supplies fields that are not columns, `convert` converts columns."""
    mapping = row._mapping
    if given is None:
        values = {name: mapping[prefix + name] for name in field_names(cls)}
    else:
        values = {
            name: given[name] if name in given else mapping[prefix + name]
            for name in field_names(cls)
        }
    for name, to in convert.items():
        values[name] = to(values[name])
    return cls(**values)


def values_of(obj: Any, *, skip: Collection[str] = (), **convert: Convert) -> dict[str, Any]:
    """The column values of a dataclass instance, by field name, without `skip`; `convert`
    converts fields whose column type differs."""
    values = {name: getattr(obj, name) for name in field_names(type(obj)) if name not in skip}
    for name, to in convert.items():
        values[name] = to(values[name])
    return values


def value(member: Any) -> Any:
    """An enum member's stored value (the converter for enum fields)."""
    return member.value
