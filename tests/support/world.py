"""A small populated instance for API tests, and a snapshot of everything a user can see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from support.api import Api, Member


def assert_error(
    response: httpx.Response, status: int, code: str | None = None, *, case: object = None
) -> dict[str, Any]:
    """The response is a JSON error of this status: `{"error": {"code": str, "message": str}}`.

    `case` names the input in a failure message, for checks made in a loop.
    """
    where = f"{case!r:.200}: " if case is not None else ""
    assert response.status_code == status, f"{where}{response.status_code} {response.text:.500}"
    assert response.headers["content-type"].startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}{body}"
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], f"{where}{body}"
    assert isinstance(error["message"], str) and error["message"], f"{where}{body}"
    if code is not None:
        assert error["code"] == code, f"{where}{body}"
    return dict(error)


@dataclass
class World:
    """Alice runs team A (Bob is a plain member); Carol runs team B. Each team has a codemark."""

    api: Api
    alice: Member
    bob: Member
    carol: Member
    team: dict[str, Any]
    other_team: dict[str, Any]
    repo: dict[str, Any]
    codemark: dict[str, Any]
    other_codemark: dict[str, Any]
    reply: dict[str, Any]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    async def snapshot(self) -> dict[str, Any]:
        """Everything the three users can read, to compare before and after a refused request."""
        c = self.client
        tid, oid = self.team["id"], self.other_team["id"]
        reads: dict[str, tuple[str, Member, dict[str, str]]] = {
            "teams": ("/api/v1/teams", self.alice, {}),
            "other_teams": ("/api/v1/teams", self.carol, {}),
            "bob_teams": ("/api/v1/teams", self.bob, {}),
            "members": (f"/api/v1/teams/{tid}/members", self.alice, {}),
            "other_members": (f"/api/v1/teams/{oid}/members", self.carol, {}),
            "repos": (f"/api/v1/teams/{tid}/repos", self.alice, {}),
            "other_repos": (f"/api/v1/teams/{oid}/repos", self.carol, {}),
            "codemarks": ("/api/v1/codemarks", self.alice, {"teamId": tid, "limit": "100"}),
            "other_codemarks": ("/api/v1/codemarks", self.carol, {"teamId": oid, "limit": "100"}),
            "replies": (f"/api/v1/codemarks/{self.codemark['id']}/replies", self.alice, {}),
            "me": ("/api/v1/me", self.alice, {}),
        }
        state: dict[str, Any] = {}
        for key, (path, member, params) in reads.items():
            response = await c.get(path, params=params, headers=member.headers)
            assert response.status_code == 200, (path, response.text)
            state[key] = response.json()
        for member in (self.alice, self.bob, self.carol):
            tokens = await c.get("/api/v1/tokens", headers=member.headers)
            assert tokens.status_code == 200
            # lastUsedAt moves when a token is used; everything else must stay put.
            state[f"tokens:{member.email}"] = [
                {k: v for k, v in t.items() if k != "lastUsedAt"} for t in tokens.json()
            ]
        return state


async def build_world(api: Api) -> World:
    """Sign up three users and give each team a repo-backed codemark (team A's has a reply)."""
    alice = await api.sign_up()
    bob = await api.sign_up()
    carol = await api.sign_up()
    team = await api.create_team(alice, "Team A")
    other_team = await api.create_team(carol, "Team B")
    await api.add_member(alice, team["id"], bob)
    codemark = await api.create_codemark(alice, team["id"])
    other_codemark = await api.create_codemark(carol, other_team["id"], text="Team B's secret")
    repos = await api.client.get(f"/api/v1/teams/{team['id']}/repos", headers=alice.headers)
    reply = await api.client.post(
        f"/api/v1/codemarks/{codemark['id']}/replies", json={"text": "Agreed."}, headers=bob.headers
    )
    assert reply.status_code == 201, reply.text
    return World(
        api=api,
        alice=alice,
        bob=bob,
        carol=carol,
        team=team,
        other_team=other_team,
        repo=repos.json()[0],
        codemark=codemark,
        other_codemark=other_codemark,
        reply=reply.json(),
    )
