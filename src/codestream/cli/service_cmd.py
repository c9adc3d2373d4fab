"""`codestream start|stop|restart|status [-M]`: the API server and the delivery worker as
background processes, like the seed's `single-host-preview-install.sh -M -a restart`.

Pid files live in `~/.codestream/run/`, logs in `~/.codestream/logs/`. Stopping is graceful:
SIGTERM, so uvicorn finishes the requests in flight and the worker hands back the deliveries it
claimed; only a process still there after `--timeout` seconds is killed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from codestream.cli.output import console, err_console, fail, warn
from codestream.cli.processes import (
    API,
    WORKER,
    Service,
    ServiceState,
    StateDirs,
    accepts_connections,
    exit_status,
    is_running,
    log_tail,
    port_problem,
    spawn,
    state_dirs,
    terminate,
    uptime,
    write_pid_file,
)
from codestream.cli.runtime import config_file, load
from codestream.config import Config, ConfigError, load_config

__all__ = ["register"]

EXIT_NOT_RUNNING = 3  # LSB: "program is not running"

LeaveDatabase = Annotated[
    bool,
    typer.Option(
        "-M",
        "--leave-database",
        help="Leave the database service alone (the seed's -M). codestream never starts or "
        "stops PostgreSQL; SQLite is a file the API server opens.",
    ),
]
Wait = Annotated[
    float,
    typer.Option("--wait", min=1, help="Seconds to wait for the API server to accept connections."),
]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=0,
        help="Seconds a service gets to finish its work after SIGTERM before it is killed.",
    ),
]


def _say(message: str) -> None:
    """One line of output, printed as is: no markup, highlighting or wrapping of paths."""
    console.print(escape(message), soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Attach start, stop, restart and status."""
    app.command("start")(start)
    app.command("stop")(stop)
    app.command("restart")(restart)
    app.command("status")(status)


def _worker_skipped(ctx: typer.Context, config: Config | None) -> str | None:
    """Why the delivery worker is not run, or None when it should be."""
    commands = getattr(ctx.find_root().command, "commands", {})  # typer may bundle its own click
    if "worker" not in commands:
        return "this version has no `codestream worker`; shares stay queued in the outbox"
    bot = config.msteams if config is not None else None
    if bot is None or not bot.bot_app_id or not bot.bot_app_password:
        return (
            "no Teams bot is configured, so there is nothing to deliver; "
            "add one with `codestream config msteams` and run `codestream restart`"
        )
    return None


def _services(ctx: typer.Context, config: Config | None) -> list[Service]:
    return [API] if _worker_skipped(ctx, config) else [API, WORKER]


def _try_load(ctx: typer.Context) -> Config | None:
    """The config, or None with a warning: stop and status must work with a broken config."""
    try:
        return load_config(config_file(ctx))
    except ConfigError as exc:
        warn(exc.message.splitlines()[0])
        return None


def _database_note(config: Config | None, leave_database: bool) -> None:
    if config is None:
        return
    url = config.database_url
    if url.startswith("sqlite"):
        if leave_database:
            _say(
                "-M: nothing to leave alone: SQLite is a file the API server opens "
                f"({url.split(':///', 1)[-1]})."
            )
        return
    parts = urlsplit(url)
    where = f"PostgreSQL at {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    if leave_database:
        _say(f"-M: left the database alone: {where}.")
    else:
        _say(
            f"Database: {where} is not run by codestream; start and stop it with your "
            "system's tools (or pass -M, as the seed did)."
        )


def _prepare(dirs: StateDirs) -> None:
    for directory in (dirs.run, dirs.logs):
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            fail(
                f"cannot create {directory}: {exc.strerror}; codestream keeps its pid files and "
                f"logs under {directory.parent}, so make it a writable directory (or set HOME)"
            )


def _clear_stale(dirs: StateDirs, service: Service, state: ServiceState) -> None:
    if state.stale_pid is None:
        return
    dirs.pid_file(service).unlink(missing_ok=True)
    what = f"pid {state.stale_pid} is not running" if state.stale_pid > 0 else "unreadable"
    _say(f"Removed a stale pid file for the {service.title} ({what}).")


def _started(service: Service, pid: int, config: Config) -> bool | None:
    """True once `service` is up, False if it died, None while we can't tell yet."""
    if not is_running(pid):
        return False
    if service is API:
        return True if accepts_connections(config.api_host, config.api_port) else None
    return None  # the worker has no port: alive at the end of the wait is up


def _report_failure(service: Service, pid: int, log_file: Path, wait: float) -> None:
    if is_running(pid):
        terminate(pid, 5)
        how = f"did not accept connections within {wait:g} s; stopped it"
    else:
        how = f"exited while starting ({exit_status(pid) or 'gone'})"
    err_console.print(
        f"[bold red]Error:[/bold red] {escape(f'the {service.title} {how}.')} "
        f"Last lines of {escape(str(log_file))}:\n{escape(log_tail(log_file))}",
        soft_wrap=True,
        highlight=False,
    )


def _start_all(
    services: list[Service], config: Config, cfg: Path, dirs: StateDirs, wait: float
) -> bool:
    """Start what isn't running (all at once, then wait); False if one failed to come up."""
    pending: list[Service] = []
    for service in services:
        state = ServiceState.read(dirs.pid_file(service))
        if state.pid is not None:
            _say(f"The {service.title} is already running (pid {state.pid}).")
            continue
        _clear_stale(dirs, service, state)
        pending.append(service)
    if API in pending and (problem := port_problem(config.api_host, config.api_port)):
        fail(
            f"{problem}; nothing was started. Stop that program, or pick another port: "
            "codestream config set apiServer.port 12080"
        )
    if all(ServiceState.read(dirs.pid_file(s)).pid is None for s in (API, WORKER)):
        from codestream.cli.process_setup import clear_metrics

        clear_metrics(config)  # nothing runs: no process's counters are lost
    pids: dict[Service, int] = {}
    for service in pending:
        pid_file = dirs.pid_file(service)
        argv = ["-m", "codestream", "--config", str(cfg), service.command]
        banner = f"codestream {service.command} (pid file {pid_file})"
        pids[service] = spawn(argv, dirs.log_file(service), banner)
        write_pid_file(pid_file, pids[service])
    results: dict[Service, bool | None] = dict.fromkeys(pids)
    deadline = time.monotonic() + wait
    minimum = time.monotonic() + 1.0  # a worker that dies at once is caught
    while time.monotonic() < deadline:
        for service, pid in pids.items():
            if results[service] is None:
                results[service] = _started(service, pid, config)
        if results.get(API, True) is not None and time.monotonic() >= minimum:
            break
        time.sleep(0.1)
    ok = True
    for service, pid in pids.items():
        result = results[service]
        if result is None:
            result = service is not API and is_running(pid)
        log_file = dirs.log_file(service)
        if not result:
            dirs.pid_file(service).unlink(missing_ok=True)
            _report_failure(service, pid, log_file, wait)
            ok = False
            continue
        where = ""
        if service is API:
            scheme = "https" if config.ssl_certfile else "http"
            where = f" on {scheme}://{config.api_host}:{config.api_port}"
        _say(f"Started the {service.title} (pid {pid}){where}; log: {log_file}")
    return ok


def _stop_one(service: Service, dirs: StateDirs, timeout: float) -> None:
    pid_file = dirs.pid_file(service)
    state = ServiceState.read(pid_file)
    if state.pid is None:
        _clear_stale(dirs, service, state)
        _say(f"The {service.title} is not running.")
        return
    graceful = terminate(state.pid, timeout)
    pid_file.unlink(missing_ok=True)
    if graceful:
        _say(f"Stopped the {service.title} (pid {state.pid}).")
    else:
        warn(
            f"the {service.title} (pid {state.pid}) did not stop within {timeout:g} s of "
            "SIGTERM, so it was killed; see its log"
        )


def start(
    ctx: typer.Context,
    leave_database: LeaveDatabase = False,
    wait: Wait = 30.0,
) -> None:
    """Start the API server and the delivery worker in the background.

    Pid files go to ~/.codestream/run/, output to ~/.codestream/logs/. A service that already
    runs is left as it is. Exits 2 when the config is broken or the port is taken, 1 when a
    service dies while starting.
    """
    config = load(ctx)
    cfg = config_file(ctx).absolute()
    dirs = state_dirs()
    _prepare(dirs)
    _database_note(config, leave_database)
    ok = _start_all(_services(ctx, config), config, cfg, dirs, wait)
    if skipped := _worker_skipped(ctx, config):
        _say(f"The {WORKER.title} was not started: {skipped}.")
    if not ok:
        raise typer.Exit(1)


def stop(
    ctx: typer.Context,
    leave_database: LeaveDatabase = False,
    timeout: Timeout = 30.0,
) -> None:
    """Stop the API server, then the delivery worker: SIGTERM, then SIGKILL after --timeout.

    In-flight requests finish and claimed deliveries are handed back before they exit.
    """
    config = _try_load(ctx)
    _database_note(config, leave_database)
    dirs = state_dirs()
    for service in (API, WORKER):
        _stop_one(service, dirs, timeout)


def restart(
    ctx: typer.Context,
    leave_database: LeaveDatabase = False,
    wait: Wait = 30.0,
    timeout: Timeout = 30.0,
) -> None:
    """Stop gracefully, then start again: run it after changing the config (the seed's
    `-M -a restart`)."""
    config = load(ctx)  # refuse a broken config before stopping anything
    cfg = config_file(ctx).absolute()
    dirs = state_dirs()
    _prepare(dirs)
    _database_note(config, leave_database)
    for service in (API, WORKER):
        _stop_one(service, dirs, timeout)
    ok = _start_all(_services(ctx, config), config, cfg, dirs, wait)
    if skipped := _worker_skipped(ctx, config):
        _say(f"The {WORKER.title} was not started: {skipped}.")
    if not ok:
        raise typer.Exit(1)


def _clock(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _outbox_lines(config: Config) -> list[str]:
    """The outbox by status, its oldest waiting row's age and its last error."""
    from codestream.storage.stats import DatabaseUnavailable, oldest_failure, outbox_summary

    try:
        summary = outbox_summary(config.database_url)
        failure = oldest_failure(config.database_url)
    except DatabaseUnavailable as exc:
        return [f"Outbox: unknown ({exc})"]
    counts = summary.by_status()
    waiting = counts["queued"] + counts["sending"] + counts["retrying"]
    line = (
        f"Outbox: {waiting} waiting (queued {counts['queued']}, sending {counts['sending']}, "
        f"retrying {counts['retrying']}); {counts['sent']} sent, {counts['failed']} failed "
        "in the last 7 days"
    )
    if summary.oldest_waiting_at is not None:
        line += f"; oldest waiting queued {uptime(summary.oldest_waiting_at / 1000)} ago"
    if failure is not None:
        line += f"; oldest failure from {_clock(failure.created_at)}"
    lines = [line]
    last = summary.last_error
    if last is not None:
        when = f"at {_clock(last.at)}"
        if last.next_attempt_at is not None:
            wait = max(0.0, last.next_attempt_at / 1000 - time.time())
            after = f"next attempt at {_clock(last.next_attempt_at)} (in {wait:.0f} s)"
        else:
            after = "not retried (failed)"
        lines.append(
            f"Last error: outbox row {last.id} ({last.kind}) {when}: {last.error}; {after}"
        )
    return lines


def _answering_server(config: Config) -> str | None:
    """What `/readyz` on the configured port says ("ready", or the reason it is not), or None
    when nothing answers there like our server: it finds a server whoever started it."""
    import httpx

    from codestream.cli.processes import probe_host

    scheme = "https" if config.ssl_certfile else "http"
    host = probe_host(config.api_host)
    netloc = f"[{host}]" if ":" in host else host
    try:
        # Our own server on loopback, maybe with a self-signed certificate: only its answer
        # to /readyz is read.
        response = httpx.get(
            f"{scheme}://{netloc}:{config.api_port}/readyz",
            timeout=2.0,
            verify=False,  # noqa: S501
        )
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("status") not in ("ready", "unavailable"):
        return None
    return "ready" if body["status"] == "ready" else f"not ready: {body.get('reason', '?')}"


def status(ctx: typer.Context, leave_database: LeaveDatabase = False) -> None:
    """Show the services' pids, uptime and URLs, the outbox by status and its last error.

    An API server that answers /readyz on the configured port counts as running, whoever
    started it.

    Exits 0 when every service runs, 3 when one does not.
    """
    config = _try_load(ctx)
    dirs = state_dirs()
    running = True
    for service in (API, WORKER):
        state = ServiceState.read(dirs.pid_file(service))
        if state.pid is not None:
            _say(f"{service.title}: running, pid {state.pid}, up {uptime(state.started_at)}")
        elif (
            service is API
            and config is not None
            and (answer := _answering_server(config)) is not None
        ):
            _say(
                f"{service.title}: running, not started by `codestream start` (no pid file); "
                f"/readyz on port {config.api_port}: {answer}"
            )
        elif service is WORKER and (skipped := _worker_skipped(ctx, config)):
            _say(f"{service.title}: not run ({skipped})")
        else:
            stale = " (stale pid file)" if state.stale_pid is not None else ""
            _say(f"{service.title}: stopped{stale}")
            running = False
    if config is not None:
        scheme = "https" if config.ssl_certfile else "http"
        local = f"{scheme}://{config.api_host}:{config.api_port}"
        _say(f"Local URL: {local}")
        _say(f"Public URL: {config.public_api_url}")
        _say(f"Messaging endpoint: {config.public_api_url}/no-auth/provider-action/msteams")
        for line in _outbox_lines(config):
            _say(line)
        _database_note(config, leave_database)
    _say(f"Logs: {dirs.logs}")
    if not running:
        raise typer.Exit(EXIT_NOT_RUNNING)
