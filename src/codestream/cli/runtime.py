"""What commands that touch the server's data share: the loaded config and the wired use cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from codestream.cli.output import fail
from codestream.cli.state import CliState
from codestream.config import Config, config_path, load_config
from codestream.errors import CodeStreamError, ConfigError

if TYPE_CHECKING:
    from codestream.domain.services import Services

T = TypeVar("T")


def config_file(ctx: typer.Context) -> Path:
    """The config path the user chose (--config, $CSSVC_CFG_FILE) or the default."""
    state = ctx.find_object(CliState)
    return config_path(state.config_path if state is not None else None)


def load(ctx: typer.Context) -> Config:
    """Load and validate the services config, or exit 2 saying what is wrong and how to fix it."""
    path = config_file(ctx)
    if not path.exists():
        fail(
            f"no services config at {path}. Create one with "
            "`codestream init --public-url https://your-host`, or pass --config PATH."
        )
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(exc.message)


@asynccontextmanager
async def open_services(config: Config) -> AsyncIterator[Services]:
    """Migrate the database, then yield the use cases wired to it as the server wires them
    (`build_runtime`): sharing and replies reach Teams through the outbox."""
    # Imported here: SQLAlchemy and Alembic take a second to load, and most commands need neither.
    from codestream.storage.engine import create_engine
    from codestream.storage.migrate import upgrade_database
    from codestream.teams.http import outbound_client
    from codestream.wiring import build_runtime

    await asyncio.to_thread(upgrade_database, config.database_url)
    engine = create_engine(config.database_url, pool_size=2)
    try:
        async with outbound_client() as http:
            yield build_runtime(config, engine, http).services
    finally:
        await engine.dispose()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's async body; a CodeStreamError becomes `Error: ...` and exit code 2."""
    try:
        return asyncio.run(coro)
    except CodeStreamError as exc:
        fail(exc.message)
