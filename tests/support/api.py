"""A thin client for tests: create users, log in, and call the API as a user."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from codestream.config import Config, config_from_document, new_document
from codestream.domain.services import Services

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


def open_registration_config(database_url: str) -> Config:
    """The tests' config with `apiServer.selfRegistration` on, for tests of `POST /api/v1/users`
    itself (it is off by default)."""
    document = new_document("https://codestream.example.com")
    document["apiServer"]["selfRegistration"] = True
    return config_from_document(document, environ={"CS_DATABASE_URL": database_url})


def operator_of(app: Any) -> Services:
    """The use cases of an in-process app, as the operator's CLI reaches them."""
    services: Services = app.state.ctx.services
    return services


class Api:
    """The HTTP client plus shortcuts that assert each step succeeded.

    `operator` is the app's use cases: users are created the documented way, as
    `codestream user create` does (`Services.sign_up`), since self-registration over the API is
    off by default; they then log in over HTTP.
    """

    def __init__(self, client: httpx.AsyncClient, operator: Services) -> None:
        self.client = client
        self.operator = operator

    async def sign_up(self, name: str | None = None, password: str = "correct horse 1") -> Member:
        """Create a user (as the operator) and log in over HTTP; the member with a token."""
        local = name or f"user{next(_counter)}"
        email = f"{local}@example.com"
        user = await self.operator.sign_up(email=email, password=password, full_name=local.title())
        login = await self.client.post("/api/v1/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return Member(id=user.id, email=email, token=login.json()["accessToken"])

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
