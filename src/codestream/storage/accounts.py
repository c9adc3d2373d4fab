"""Users and access tokens."""

from __future__ import annotations

import builtins

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from codestream.domain.models import AccessToken, User
from codestream.errors import Conflict
from codestream.storage.rows import from_row, values_of
from codestream.storage.tables import access_tokens, users


class SqlUsers:
    """UserRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        try:
            await self._conn.execute(users.insert().values(**values_of(user)))
        except sa.exc.IntegrityError as exc:
            # Two sign-ups with one email (or username) raced past the service's check.
            raise Conflict("email or username already has an account", code="user_taken") from exc

    async def get(self, user_id: str) -> User | None:
        return await self._one(users.c.id == user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email)

    async def get_by_username(self, username: str) -> User | None:
        return await self._one(users.c.username == username)

    async def get_many(self, user_ids: builtins.list[str]) -> builtins.list[User]:
        if not user_ids:
            return []
        result = await self._conn.execute(users.select().where(users.c.id.in_(user_ids)))
        return [from_row(User, row) for row in result]

    async def list(self, *, limit: int, after: str | None = None) -> builtins.list[User]:
        query = users.select().where(users.c.deactivated.is_(False)).order_by(users.c.id)
        if after is not None:
            query = query.where(users.c.id > after)
        result = await self._conn.execute(query.limit(limit))
        return [from_row(User, row) for row in result]

    async def update(self, user: User) -> None:
        await self._conn.execute(
            users.update().where(users.c.id == user.id).values(**values_of(user))
        )

    async def _one(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = (await self._conn.execute(users.select().where(condition))).first()
        return from_row(User, row) if row else None


class SqlTokens:
    """TokenRepository on SQL."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: AccessToken) -> None:
        await self._conn.execute(access_tokens.insert().values(**values_of(token)))

    async def get_by_hash(self, token_hash: str) -> AccessToken | None:
        query = access_tokens.select().where(access_tokens.c.token_hash == token_hash)
        row = (await self._conn.execute(query)).first()
        return from_row(AccessToken, row) if row else None

    async def list_for_user(self, user_id: str) -> builtins.list[AccessToken]:
        query = (
            access_tokens.select()
            .where(access_tokens.c.user_id == user_id)
            .order_by(access_tokens.c.id)
        )
        return [from_row(AccessToken, row) for row in await self._conn.execute(query)]

    async def update(self, token: AccessToken) -> None:
        await self._conn.execute(
            access_tokens.update().where(access_tokens.c.id == token.id).values(**values_of(token))
        )

    async def revoke_all(self, user_id: str, *, keep_hash: str | None = None) -> int:
        conditions = [access_tokens.c.user_id == user_id, access_tokens.c.revoked.is_(False)]
        if keep_hash is not None:
            conditions.append(access_tokens.c.token_hash != keep_hash)
        result = await self._conn.execute(
            access_tokens.update()
            .where(*conditions)
            .values(revoked=True)
            .returning(access_tokens.c.id)
        )
        return len(result.all())
