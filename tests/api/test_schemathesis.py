"""Property-based run of schemathesis over /openapi.json: no 5xx, and answers match the document.

Each operation gets a bounded number of generated requests (positive and negative data), sent
with a real user's token. Path ids are swapped for ids that exist about half
the time (decided by the generated value itself, so a failure replays the same way), so requests
reach the use cases and storage rather than stopping at "not found".
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode

from codestream.config import Config
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine
from codestream.web.app import create_app
from support.api import open_registration_config, operator_of


@pytest.fixture
def config(database_url: str) -> Config:
    """Self-registration turned on: `POST /api/v1/users` is fuzzed too."""
    return open_registration_config(database_url)


pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 15


@dataclass
class Target:
    """A user's token and the ids of things that exist, for the generated requests to hit."""

    headers: dict[str, str]
    ids: dict[str, str]
    spare_headers: dict[str, str]
    """Another user's, for `DELETE /api/v1/tokens`: it revokes every token of its caller."""


async def _populate(app: Any) -> Target:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        account = {"email": "fuzz@example.com", "password": "correct horse 1"}
        await operator_of(app).sign_up(**account)
        login = await client.post("/api/v1/login", json=account)
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        team = (await client.post("/api/v1/teams", json={"name": "Fuzz"}, headers=headers)).json()
        marker = {"file": "a.py", "lineStart": 1, "lineEnd": 2, "remotes": ["git@github.com:a/b"]}
        created = await client.post(
            "/api/v1/codemarks",
            json={"teamId": team["id"], "text": "fuzz me", "markers": [marker]},
            headers=headers,
        )
        codemark = created.json()
        spare = {"email": "spare@example.com", "password": "correct horse 1"}
        assert (await client.post("/api/v1/users", json=spare)).status_code == 201
        spare_login = await client.post("/api/v1/login", json=spare)
    return Target(
        spare_headers={"Authorization": f"Bearer {spare_login.json()['accessToken']}"},
        headers=headers,
        ids={
            "team_id": team["id"],
            "teamId": team["id"],
            "codemark_id": codemark["id"],
            "repo_id": codemark["markers"][0]["repoId"],
        },
    )


def _existing(value: Any) -> bool:
    """Whether to swap a generated id for an existing one: half the time, fixed per value."""
    return zlib.crc32(repr(value).encode("utf-8", "surrogatepass")) % 2 == 0


def _aim(case: Any, target: Target) -> None:
    """Point some of the generated ids at things that exist."""
    for name in ("team_id", "codemark_id", "repo_id"):
        value = (case.path_parameters or {}).get(name)
        # Never delete the shared codemark: later requests should still find it.
        keep = case.method.upper() == "DELETE" and name == "codemark_id"
        if value is not None and not keep and _existing(value):
            case.path_parameters[name] = target.ids[name]
    if case.query and "teamId" in case.query and _existing(case.query["teamId"]):
        case.query["teamId"] = target.ids["teamId"]
    if isinstance(case.body, dict) and "teamId" in case.body and _existing(case.body["teamId"]):
        case.body["teamId"] = target.ids["teamId"]


def test_it_never_answers_5xx_and_matches_its_openapi_document(config: Config) -> None:
    url = config.database_url
    # NullPool: schemathesis drives the app from its own event loop thread, so no connection
    # may outlive the loop it was opened on.
    engine = create_engine(url, pool_size=None)
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    target = asyncio.run(_populate(app))
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json",
        app,
        config=SchemathesisConfig.from_dict({"generation": {"deterministic": True}}),
    )
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 21
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
        @given(case=cases)
        def run(case: Any) -> None:
            _aim(case, target)
            signs_out = case.method.upper() == "DELETE" and case.path == "/api/v1/tokens"
            headers = target.spare_headers if signs_out else target.headers
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            exc.add_note(f"operation: {operation.label}")
            raise
