"""A thin client for tests: sign up, log in, and call the API as a user."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

_counter = itertools.count(1)


@dataclass
class Member:
    """A signed-up user with a token."""

    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """The HTTP client plus shortcuts that assert each step succeeded."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def sign_up(self, name: str | None = None, password: str = "correct horse 1") -> Member:
        """Create a user and log in; returns the member with a token."""
        local = name or f"user{next(_counter)}"
        email = f"{local}@example.com"
        created = await self.client.post(
            "/api/v1/users", json={"email": email, "password": password, "fullName": local.title()}
        )
        assert created.status_code == 201, created.text
        login = await self.client.post("/api/v1/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return Member(id=created.json()["id"], email=email, token=login.json()["accessToken"])

    async def create_team(self, owner: Member, name: str = "Plant Eaters") -> dict[str, Any]:
        """A team owned by `owner`."""
        response = await self.client.post(
            "/api/v1/teams", json={"name": name}, headers=owner.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def add_member(self, admin: Member, team_id: str, member: Member) -> None:
        """Put `member` in the team."""
        response = await self.client.post(
            f"/api/v1/teams/{team_id}/members", json={"user": member.email}, headers=admin.headers
        )
        assert response.status_code == 201, response.text

    async def create_codemark(self, author: Member, team_id: str, **fields: Any) -> dict[str, Any]:
        """A codemark; defaults to a comment on lines 3-5 of a GitHub-hosted file."""
        body: dict[str, Any] = {
            "teamId": team_id,
            "type": "comment",
            "text": "This loop never ends when `n` is negative.",
            "markers": [
                {
                    "file": "src/app/loop.py",
                    "lineStart": 3,
                    "lineEnd": 5,
                    "code": "while n != 0:\n    n -= 1\n    work()",
                    "remotes": ["git@github.com:acme/api.git"],
                    "commitSha": "a" * 40,
                    "branch": "main",
                    "language": "python",
                }
            ],
        }
        body.update(fields)
        response = await self.client.post("/api/v1/codemarks", json=body, headers=author.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())
