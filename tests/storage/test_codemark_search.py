"""The search index follows every write of a codemark, on SQLite (FTS5) and PostgreSQL (tsvector):
an edit is found by its new words only, a deleted codemark is not found, other teams' codemarks
never are; the words are matched as prefixes, all of them; upgrading to the index indexes what
was stored before."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from codestream.domain.models import User
from codestream.domain.ports import UnitOfWork
from codestream.storage.engine import create_sync_engine
from codestream.storage.migrate import _alembic_config, upgrade_database
from codestream.storage.tables import codemark_search, codemarks, markers, teams, users
from support.api import Api, Member


async def _search(api: Api, member: Member, text: str) -> list[str]:
    services = api.operator

    async def run(uow: UnitOfWork) -> list[str]:
        user = await uow.users.get(member.id)
        assert isinstance(user, User)
        found = await services.codemarks.search_codemarks(uow, user, text)
        return [c.title for c in found]

    return await services.read(run)


async def test_the_index_follows_edits_and_deletes(api: Api) -> None:
    alice = await api.sign_up("alice")
    team = await api.create_team(alice, "Plant Eaters")
    made = await api.create_codemark(alice, team["id"], title="Tokenizer drops accents")
    assert await _search(api, alice, "tokeniz accent") == ["Tokenizer drops accents"]

    edited = await api.client.patch(
        f"/api/v1/codemarks/{made['id']}",
        json={"title": "Parser drops accents"},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    assert await _search(api, alice, "tokenizer") == []
    assert await _search(api, alice, "parser") == ["Parser drops accents"]

    deleted = await api.client.delete(f"/api/v1/codemarks/{made['id']}", headers=alice.headers)
    assert deleted.status_code in (200, 204), deleted.text
    assert await _search(api, alice, "parser") == []
    assert await _search(api, alice, "") == []


async def test_it_finds_only_the_users_teams_codemarks(api: Api) -> None:
    alice, mallory = await api.sign_up("alice"), await api.sign_up("mallory")
    plants = await api.create_team(alice, "Plant Eaters")
    rocks = await api.create_team(mallory, "Rock Eaters")
    await api.create_codemark(alice, plants["id"], title="Shared cache is stale")
    await api.create_codemark(mallory, rocks["id"], title="Private cache notes")

    assert await _search(api, alice, "cache") == ["Shared cache is stale"]
    assert await _search(api, mallory, "cache") == ["Private cache notes"]
    assert await _search(api, alice, "cache private") == []


def test_upgrading_indexes_the_codemarks_already_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    config = _alembic_config()
    engine = create_sync_engine(url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0007")
        with engine.begin() as conn:
            times = {"created_at": 1, "modified_at": 1}
            conn.execute(
                users.insert(),
                [
                    {
                        "id": "a" * 24,
                        "email": "a@x.org",
                        "username": "a",
                        "full_name": "A",
                        "password_hash": "x",
                        "deactivated": False,
                        **times,
                    }
                ],
            )
            conn.execute(
                teams.insert(),
                [
                    {
                        "id": "b" * 24,
                        "name": "T",
                        "creator_id": "a" * 24,
                        "deactivated": False,
                        **times,
                    }
                ],
            )
            rows = [
                {
                    "id": f"{n:024x}",
                    "team_id": "b" * 24,
                    "creator_id": "a" * 24,
                    "type": "comment",
                    "title": title,
                    "text": "",
                    "status": "open",
                    "origin": "api",
                    "num_replies": 0,
                    "deactivated": deleted,
                    **times,
                }
                for n, title, deleted in ((1, "Old stale cache", False), (2, "Gone cache", True))
            ]
            conn.execute(codemarks.insert(), rows)
            conn.execute(
                markers.insert(),
                [
                    {
                        "id": "c" * 24,
                        "codemark_id": f"{1:024x}",
                        "position": 0,
                        "file": "src/cache/evict.py",
                        "line_start": 1,
                        "line_end": 1,
                        "code": "",
                    }
                ],
            )
        upgrade_database(url)
        with engine.connect() as conn:
            indexed = conn.execute(sa.select(codemark_search.c.codemark_id)).scalars().all()
            words = conn.execute(sa.select(codemark_search.c.words)).scalar_one()
    finally:
        engine.dispose()
    assert indexed == [f"{1:024x}"]  # the deleted one is not indexed
    assert words.split() == ["old", "stale", "cache", "src", "cache", "evict", "py"]
