"""Codemarks (with markers, tags and assignees) and their replies."""

from __future__ import annotations

import builtins
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.models import (
    Codemark,
    CodemarkStatus,
    CodemarkType,
    LineRange,
    Marker,
    Origin,
    Post,
)
from codestream.domain.ports import CodemarkQuery
from codestream.domain.search import CodemarkSearch, document_of
from codestream.storage.bulk import upsert
from codestream.storage.rows import AnyRow, from_row, value, values_of
from codestream.storage.search import matching
from codestream.storage.tables import (
    codemark_assignees,
    codemark_search,
    codemark_tags,
    codemarks,
    markers,
    posts,
    repos,
)


class SqlCodemarks:
    """CodemarkRepository on SQL: one row per codemark, child rows for the rest, and its row
    in the search index (`codemark_search`, rewritten with every write; see storage/search.py)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, codemark: Codemark) -> None:
        await self._conn.execute(codemarks.insert().values(**_codemark_values(codemark)))
        if codemark.markers:
            await self._conn.execute(
                markers.insert(),
                [_marker_values(m, i) for i, m in enumerate(codemark.markers)],
            )
        await self._write_lists(codemark)
        await self._index(codemark)

    async def get(self, codemark_id: str, *, for_update: bool = False) -> Codemark | None:
        query = codemarks.select().where(codemarks.c.id == codemark_id)
        if for_update:
            query = query.with_for_update()
        rows = list(await self._conn.execute(query))
        found = await self._assemble(rows)
        return found[0] if found else None

    async def update(self, codemark: Codemark) -> None:
        await self._conn.execute(
            codemarks.update()
            .where(codemarks.c.id == codemark.id)
            .values(**_codemark_values(codemark))
        )
        await self._conn.execute(
            codemark_tags.delete().where(codemark_tags.c.codemark_id == codemark.id)
        )
        await self._conn.execute(
            codemark_assignees.delete().where(codemark_assignees.c.codemark_id == codemark.id)
        )
        await self._write_lists(codemark)
        await self._index(codemark)

    async def list(self, query: CodemarkQuery) -> builtins.list[Codemark]:
        conditions: builtins.list[sa.ColumnElement[bool]] = [
            codemarks.c.team_id == query.team_id,
            codemarks.c.deactivated.is_(False),
        ]
        if query.type is not None:
            conditions.append(codemarks.c.type == query.type.value)
        if query.status is not None:
            conditions.append(codemarks.c.status == query.status.value)
        if query.creator_id is not None:
            conditions.append(codemarks.c.creator_id == query.creator_id)
        if query.before is not None:
            conditions.append(codemarks.c.id < query.before)
        if query.tag is not None:
            conditions.append(
                sa.exists().where(
                    codemark_tags.c.codemark_id == codemarks.c.id, codemark_tags.c.tag == query.tag
                )
            )
        if query.assignee_id is not None:
            conditions.append(
                sa.exists().where(
                    codemark_assignees.c.codemark_id == codemarks.c.id,
                    codemark_assignees.c.user_id == query.assignee_id,
                )
            )
        if query.repo_id is not None or query.file is not None:
            marker_conditions = [markers.c.codemark_id == codemarks.c.id]
            if query.repo_id is not None:
                marker_conditions.append(markers.c.repo_id == query.repo_id)
            if query.file is not None:
                marker_conditions.append(markers.c.file == query.file)
            conditions.append(sa.exists().where(*marker_conditions))
        statement = (
            codemarks.select().where(*conditions).order_by(codemarks.c.id.desc()).limit(query.limit)
        )
        return await self._assemble(list(await self._conn.execute(statement)))

    async def search(self, query: CodemarkSearch) -> builtins.list[Codemark]:
        if not query.team_ids or query.count <= 0:
            return []
        if query.words:
            ids = matching(self._conn.dialect.name, query.team_ids, query.words)
        else:  # no words: the newest live codemarks
            ids = (
                sa.select(codemarks.c.id)
                .where(codemarks.c.team_id.in_(query.team_ids), codemarks.c.deactivated.is_(False))
                .order_by(codemarks.c.id.desc())
            )
        paged = ids.limit(query.count).offset(query.skip)
        page = list((await self._conn.scalars(paged)).all())
        if not page:
            return []
        rows = list(await self._conn.execute(codemarks.select().where(codemarks.c.id.in_(page))))
        found = {c.id: c for c in await self._assemble(rows)}
        return [found[i] for i in page if i in found and not found[i].deactivated]

    async def _index(self, codemark: Codemark) -> None:
        """Keep the codemark's search row: its words now, or none once it is deleted."""
        if codemark.deactivated:
            await self._conn.execute(
                codemark_search.delete().where(codemark_search.c.codemark_id == codemark.id)
            )
            return
        repo_ids = sorted({m.repo_id for m in codemark.markers if m.repo_id is not None})
        names: builtins.list[str] = []
        if repo_ids:
            named = sa.select(repos.c.name).where(repos.c.id.in_(repo_ids))
            names = [row[0] for row in await self._conn.execute(named)]
        row = {
            "codemark_id": codemark.id,
            "team_id": codemark.team_id,
            "words": document_of(codemark, names),
        }
        await upsert(self._conn, codemark_search, row, ["codemark_id"])

    async def _write_lists(self, codemark: Codemark) -> None:
        if codemark.tags:
            await self._conn.execute(
                codemark_tags.insert(),
                [
                    {"codemark_id": codemark.id, "tag": tag, "position": i}
                    for i, tag in enumerate(codemark.tags)
                ],
            )
        if codemark.assignees:
            await self._conn.execute(
                codemark_assignees.insert(),
                [
                    {"codemark_id": codemark.id, "user_id": user_id, "position": i}
                    for i, user_id in enumerate(codemark.assignees)
                ],
            )

    async def _assemble(self, rows: builtins.list[AnyRow]) -> builtins.list[Codemark]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        marker_map: dict[str, list[Marker]] = defaultdict(list)
        query = markers.select().where(markers.c.codemark_id.in_(ids)).order_by(markers.c.position)
        for row in await self._conn.execute(query):
            marker_map[row.codemark_id].append(_marker(row))
        tag_map: dict[str, list[str]] = defaultdict(list)
        tag_query = (
            codemark_tags.select()
            .where(codemark_tags.c.codemark_id.in_(ids))
            .order_by(codemark_tags.c.position)
        )
        for row in await self._conn.execute(tag_query):
            tag_map[row.codemark_id].append(row.tag)
        assignee_map: dict[str, list[str]] = defaultdict(list)
        assignee_query = (
            codemark_assignees.select()
            .where(codemark_assignees.c.codemark_id.in_(ids))
            .order_by(codemark_assignees.c.position)
        )
        for row in await self._conn.execute(assignee_query):
            assignee_map[row.codemark_id].append(row.user_id)
        return [
            from_row(
                Codemark,
                row,
                given={
                    "assignees": tuple(assignee_map[row.id]),
                    "tags": tuple(tag_map[row.id]),
                    "markers": tuple(marker_map[row.id]),
                },
                type=CodemarkType,
                status=CodemarkStatus,
                origin=Origin,
            )
            for row in rows
        ]


def _codemark_values(codemark: Codemark) -> dict[str, Any]:
    return values_of(
        codemark,
        skip=("assignees", "tags", "markers"),
        type=value,
        status=value,
        origin=value,
    )


def _marker_values(marker: Marker, position: int) -> dict[str, Any]:
    lines = marker.lines
    return values_of(marker, skip=("lines",)) | {
        "position": position,
        "line_start": lines.start,
        "line_end": lines.end,
        "column_start": lines.start_column,
        "column_end": lines.end_column,
    }


def _marker(row: AnyRow) -> Marker:
    lines = LineRange(row.line_start, row.line_end, row.column_start, row.column_end)
    return from_row(Marker, row, given={"lines": lines})


class SqlPosts:
    """PostRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, post: Post) -> None:
        await self._conn.execute(posts.insert().values(**values_of(post, origin=value)))

    async def get(self, post_id: str) -> Post | None:
        row = (await self._conn.execute(posts.select().where(posts.c.id == post_id))).first()
        return from_row(Post, row, origin=Origin) if row else None

    async def list_for_codemark(self, codemark_id: str) -> builtins.list[Post]:
        query = (
            posts.select()
            .where(posts.c.codemark_id == codemark_id, posts.c.deactivated.is_(False))
            .order_by(posts.c.id)
        )
        return [from_row(Post, row, origin=Origin) for row in await self._conn.execute(query)]

    async def last_for_codemark(self, codemark_id: str) -> Post | None:
        query = (
            posts.select()
            .where(posts.c.codemark_id == codemark_id, posts.c.deactivated.is_(False))
            .order_by(posts.c.id.desc())
            .limit(1)
        )
        row = (await self._conn.execute(query)).first()
        return from_row(Post, row, origin=Origin) if row else None

    async def update(self, post: Post) -> None:
        await self._conn.execute(
            posts.update().where(posts.c.id == post.id).values(**values_of(post, origin=value))
        )
