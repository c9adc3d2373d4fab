"""The search index follows every write of a codemark, on SQLite (FTS5) and PostgreSQL (tsvector):
an edit is found by its new words only, a deleted codemark is not found, other teams' codemarks
never are; the words are matched as prefixes, all of them."""

from __future__ import annotations

from codestream.domain.models import User
from codestream.domain.ports import UnitOfWork
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
