"""`codestream serve` and `codestream db upgrade|current`."""

from __future__ import annotations

import typer

from codestream.cli.output import console, fail
from codestream.cli.processes import ensure_port_free
from codestream.cli.runtime import load
from codestream.errors import CodeStreamError

db_app = typer.Typer(
    help="Database schema: apply migrations, show the revision.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Attach `serve` and the `db` group."""
    app.command(name="serve")(serve)
    app.add_typer(db_app, name="db")


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Address to listen on (default: apiServer.host)."),
    port: int | None = typer.Option(
        None, min=1, max=65535, help="Port to listen on (default: apiServer.port)."
    ),
) -> None:
    """Run the API server (and the web pages) with uvicorn; TLS when ssl.* is configured.

    Slow clients are bounded by apiServer.headerTimeoutSeconds and apiServer.maxConnections.
    """
    from codestream.cli.process_setup import log_format, share_metrics
    from codestream.storage.migrate import upgrade_database

    config = load(ctx)
    share_metrics(config)  # before prometheus-client is imported (by the app)

    from codestream.web.app import create_app
    from codestream.web.serving import ServerLimits, serve_app

    bind_host = host or config.api_host
    bind_port = port or config.api_port
    ensure_port_free(bind_host, bind_port)
    try:
        # Here rather than in the app's start-up, so an unreachable database is one line.
        upgrade_database(config.database_url)
    except CodeStreamError as exc:
        fail(exc.message)
    scheme = "https" if config.ssl_certfile else "http"
    console.print(
        f"CodeStream API on {scheme}://{bind_host}:{bind_port}  (public: {config.public_api_url})"
    )
    try:
        app = create_app(config, migrate=False, freeze_startup_objects=True)
    except CodeStreamError as exc:
        fail(exc.message)
    serve_app(
        app,
        host=bind_host,
        port=bind_port,
        limits=ServerLimits.from_config(config),
        ssl_certfile=str(config.ssl_certfile) if config.ssl_certfile else None,
        ssl_keyfile=str(config.ssl_keyfile) if config.ssl_keyfile else None,
        log_format=log_format(config),
    )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (the server also does this when it starts)."""
    from codestream.storage.migrate import upgrade_database

    config = load(ctx)
    try:
        revision = upgrade_database(config.database_url)
    except CodeStreamError as exc:
        fail(exc.message)
    console.print(f"Database is at revision {revision}.")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the newest this version knows."""
    from codestream.storage.migrate import current_revision, head_revision

    config = load(ctx)
    current = current_revision(config.database_url)
    head = head_revision()
    state = "up to date" if current == head else "needs `codestream db upgrade`"
    console.print(f"Database revision: {current or 'none'}; newest: {head} ({state}).")
