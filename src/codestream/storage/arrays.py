"""Lists of values bound as one array parameter on PostgreSQL.

`column IN (:v1, :v2, ...)` has a different SQL text for every number of values. The delivery
worker's statements carry lists whose length changes with every claim (rows, pace keys), so on
PostgreSQL each new length was compiled again by SQLAlchemy, prepared again by asyncpg (one more
round trip) and parsed and planned again by the server. `= ANY(:values)` with an array parameter
is one text for every length: compiled, prepared and planned once per connection. SQLite has no
arrays and no prepare round trip; it keeps IN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def array_of(values: Sequence[Any], item_type: sa.types.TypeEngine[Any]) -> sa.BindParameter[Any]:
    """A PostgreSQL array parameter of `item_type` (an anonymous bind)."""
    return sa.bindparam(None, list(values), type_=postgresql.ARRAY(item_type))


def among(
    dialect: str, column: sa.ColumnElement[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """`column` is one of `values`: `= ANY(array)` on PostgreSQL, `IN (...)` elsewhere."""
    if dialect == "postgresql":
        return column == sa.any_(array_of(values, column.type))
    return column.in_(list(values))
