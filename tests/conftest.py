"""Fixtures shared by the whole suite. Database tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from codestream.config import Config, config_from_document, new_document
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine
from codestream.web.app import create_app
from support.api import Api, operator_of
from support.databases import PG_ENV, PG_SKIP_REASON, PostgresSchema, sqlite_copy, sqlite_template

pytest_plugins = ["support.browser"]

PUBLIC_URL = "https://codestream.example.com"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own HOME, so nothing reads or writes the real ~/.codestream."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "CSSVC_CFG_FILE",
        "CS_DATABASE_URL",
        "CSSVC_MSTEAMS_BOT_APP_ID",
        "CSSVC_MSTEAMS_BOT_APP_PASS",
        "CSSVC_MSTEAMS_BOT_TENANT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[PostgresSchema]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    schema = PostgresSchema(base)
    schema.create()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    schema: PostgresSchema = request.getfixturevalue("_postgres_schema")
    schema.truncate()
    return schema.url


@pytest.fixture
def config(database_url: str) -> Config:
    """A valid services config pointing at the test database."""
    return config_from_document(new_document(PUBLIC_URL), environ={"CS_DATABASE_URL": database_url})


@pytest.fixture
async def engine(config: Config) -> AsyncIterator[AsyncEngine]:
    """The async engine for the test database, disposed after the test."""
    db = create_engine(config.database_url)
    yield db
    await db.dispose()


@pytest.fixture
async def api(config: Config, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The app over HTTP (in-process), with helpers to sign up and call as a user."""
    # Real argon2id, lighter parameters so sign-ups don't dominate the suite's time.
    app = create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, operator_of(app))
