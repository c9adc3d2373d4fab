"""`codestream demo`: a fresh instance on a temporary SQLite with the Teams emulator in-process,
seeded, and the whole Teams story played: install the bot, sign in, connect a channel, share a
git-backed codemark. It prints the emulator's page where the card is, and the permalink."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from codestream.cli.gitinfo import read_location
from codestream.cli.output import console, fail, say, warn
from codestream.cli.processes import ensure_port_free, port_problem
from codestream.config import Config, config_from_document, new_document, write_document

if TYPE_CHECKING:
    # The emulator, the server and httpx load only when the demo runs (see `demo`).
    from codestream.cli.demo_flow import EmulatorThread, TeamsSide

DEMO_EMAIL = "ada@example.com"
DEMO_PASSWORD = "codestream-demo"
REMOTE = "git@github.com:analytical-engines/billing.git"
TITLE = "Rounding each invoice total loses cents across a batch"

SAMPLE_FILE = "src/billing/invoice.py"
SAMPLE_START = 12
SAMPLE_CODE = """\
def total(lines):
    amount = 0
    for line in lines:
        amount += line.price * line.quantity
    return round(amount, 2)
"""
BOT_PATH = "/no-auth/provider-action/msteams"
DEMO_PORT = 12079
"""The server's port when free (`serve`'s default), so bookmarks work from one demo to the next."""
DEMO_EMULATOR_PORT = 3979
"""The emulator's port when free (the same as `codestream emulator`'s)."""


@dataclass(frozen=True)
class DemoSeed:
    """What the demo created, for the story and for printing its URLs."""

    codemark_id: str
    team_id: str
    team_name: str


def register(app: typer.Typer) -> None:
    """Attach `demo`."""
    app.command(name="demo")(demo)


def pick_port(asked: int, stable: int, what: str) -> int:
    """The port the user asked for (exit 2 if it is taken), else `stable` when it is free, else
    a free one, with a word on why the address changed."""
    if asked:
        ensure_port_free("127.0.0.1", asked)
        return asked
    problem = port_problem("127.0.0.1", stable)
    if problem is None:
        return stable
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    warn(f"{problem}; the demo's {what} listens on {free} instead (its URLs change each run)")
    return free


def make_repo(directory: Path) -> Path:
    """A tiny git repository with the sample file committed, as a developer's checkout."""
    repo = directory / "billing"
    source = repo / SAMPLE_FILE
    source.parent.mkdir(parents=True, exist_ok=True)
    header = "\n".join(f"# invoice helpers, line {n}" for n in range(1, SAMPLE_START))
    source.write_text(f"{header}\n{SAMPLE_CODE}")
    for args in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", REMOTE],
        ["add", "."],
        ["-c", "user.email=ada@example.com", "-c", "user.name=Ada", "commit", "-qm", "Invoices"],
    ):
        done = subprocess.run(  # noqa: S603 - fixed argv
            ["git", *args],  # noqa: S607 - git from PATH, like any git tool
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            fail(f"git {args[0]} failed in {repo}: {done.stderr.strip()}")
    return repo


def demo_config(directory: Path, port: int, teams: TeamsSide | None = None) -> Config:
    """A config for a throwaway instance: SQLite under `directory`, served on loopback, its bot
    registered at the emulator when there is one."""
    doc = new_document(f"http://127.0.0.1:{port}")
    doc["apiServer"] = {
        "publicApiUrl": f"http://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
    }
    doc["storage"] = {"sqlite": {"path": str(directory / "codestream.db")}}
    if teams is not None:
        doc["integrations"] = {"msteams": {"microsoft.com": teams.emu.msteams_block(teams.bot)}}
    path = directory / "codestream-services-config.json"
    write_document(path, doc)
    return config_from_document(doc, source=path, environ={})


async def seed(config: Config, repo: Path) -> DemoSeed:
    """Two users, a team and an issue on lines of the checkout's file, with one reply."""
    from codestream.cli.runtime import open_services
    from codestream.domain.models import CodemarkType, Origin
    from codestream.domain.services.codemarks import NewCodemark, NewMarker

    async with open_services(config) as services:
        ada = await services.sign_up(
            email=DEMO_EMAIL, password=DEMO_PASSWORD, full_name="Ada Lovelace"
        )
        grace = await services.sign_up(
            email="grace@example.com", password=DEMO_PASSWORD, full_name="Grace Hopper"
        )
        team = await services.write(services.teams.create_team, ada, "Analytical Engines")
        await services.write(services.teams.add_member, ada, team.id, grace.email)
        lines = SAMPLE_CODE.rstrip("\n").count("\n") + 1
        where = read_location(f"{SAMPLE_FILE}:{SAMPLE_START}-{SAMPLE_START + lines - 1}", repo)
        codemark = await services.write(
            services.codemarks.create_codemark,
            ada,
            NewCodemark(
                team_id=team.id,
                type=CodemarkType.ISSUE,
                title=TITLE,
                text="We round per invoice and then sum. Sum first, round once "
                "(and use `Decimal`).",
                assignees=(grace.id,),
                tags=("billing",),
                origin=Origin.IDE,
                markers=(
                    NewMarker(
                        file=where.file,
                        line_start=where.line_start,
                        line_end=where.line_end,
                        code=where.code,
                        remotes=where.remotes,
                        commit_sha=where.commit_sha,
                        branch=where.branch,
                        language=where.language,
                    ),
                ),
            ),
        )
        await services.write(
            services.codemarks.add_reply,
            grace,
            codemark.id,
            "Agreed. I'll switch to Decimal.",
            Origin.WEB,
        )
    return DemoSeed(codemark_id=codemark.id, team_id=team.id, team_name=team.name)


def _wait_ready(base: str) -> None:
    import httpx

    from codestream.cli.demo_flow import DemoError

    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(200):
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise DemoError(f"the server at {base} did not become ready")


def play_story(base: str, emulator: EmulatorThread, teams: TeamsSide, seeded: DemoSeed) -> None:
    """Install the bot, sign in from Teams, connect the channel, share; wait for the card."""
    from codestream.cli.demo_flow import (
        connect_channel,
        hand_back_code,
        install_and_ask_to_sign_in,
        share,
        sign_in_on_the_web,
        wait_for_bot_message,
    )

    console.print("Installing the bot in Engineering and Ada's personal chat…")
    link = emulator.call(install_and_ask_to_sign_in(teams))
    console.print("Signing in from Teams (following the card's link, pasting the code)…")
    code = sign_in_on_the_web(base, link, DEMO_EMAIL, DEMO_PASSWORD, seeded.team_id)
    emulator.call(hand_back_code(teams, code))
    console.print("Connecting Engineering / Code review (@CodeStream connect)…")
    emulator.call(connect_channel(teams))
    console.print("Sharing the codemark to Code review…")
    share(base, DEMO_EMAIL, DEMO_PASSWORD, seeded.codemark_id, teams.channel.id)
    emulator.call(wait_for_bot_message(teams, teams.channel.id, TITLE, wait=30), timeout=40)
    console.print("[green]The codemark's card arrived in the channel.[/green]")


class DemoStopped(BaseException):
    """Ctrl+C or SIGTERM: stop the demo, clean up, exit without a traceback."""


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise DemoStopped(signum)


def demo(
    port: int = typer.Option(
        0,
        min=0,
        max=65535,
        show_default=False,
        help=f"Port to serve on (default: {DEMO_PORT} if free, else a free one).",
    ),
    emulator_port: int = typer.Option(
        0,
        "--emulator-port",
        min=0,
        max=65535,
        show_default=False,
        help=f"Port of the Teams emulator (default: {DEMO_EMULATOR_PORT} if free, else a free "
        "one).",
    ),
    data_dir: Path | None = typer.Option(
        None,
        "--dir",
        help="Keep the demo's config, database and checkout here (default: a temporary folder, "
        "removed when the demo stops).",
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Run the whole story, check that the card arrived, and stop (for CI and tests).",
    ),
) -> None:
    """Try CodeStream with Teams in one command: a seeded instance on a temporary SQLite, the
    Teams emulator, and a codemark shared into a channel."""
    if data_dir is not None and (data_dir / "codestream.db").exists():
        fail(f"{data_dir} already holds a demo database; pass another --dir or remove it")
    port = pick_port(port, DEMO_PORT, "server")
    emulator_port = pick_port(emulator_port, DEMO_EMULATOR_PORT, "Teams emulator")
    directory = data_dir or Path(tempfile.mkdtemp(prefix="codestream-demo-"))
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    stopped = False
    try:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            _run(directory, port, emulator_port, check=check, kept=data_dir is not None)
        except DemoStopped:
            stopped = True
        finally:
            for sig in previous:  # stopping: a second Ctrl+C must not cut the cleanup short
                signal.signal(sig, signal.SIG_IGN)
            if data_dir is None:
                shutil.rmtree(directory, ignore_errors=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopped:
        say("Demo stopped." + ("" if data_dir is None else f" Its data stays in {directory}."))


def _run(directory: Path, port: int, emulator_port: int, *, check: bool, kept: bool) -> None:
    """Start the emulator and the server, seed, play the story, print the URLs, then serve until
    stopped (or return at once with `check`)."""
    import uvicorn

    from codestream.cli.demo_flow import DemoError, EmulatorThread
    from codestream.web.app import create_app

    emulator = EmulatorThread()
    try:
        base = f"http://127.0.0.1:{port}"
        teams = emulator.start(f"{base}{BOT_PATH}", emulator_port)
        config = demo_config(directory, port, teams)
        seeded = asyncio.run(seed(config, make_repo(directory)))
        server = uvicorn.Server(
            uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            _wait_ready(base)
            play_story(base, emulator, teams, seeded)
            where = "kept" if kept else "removed when the demo stops; pass --dir to keep it"
            console.print(
                f"\n[bold]CodeStream demo[/bold] (data in {directory}, {where})", soft_wrap=True
            )
            console.print(f"  The card in Teams (emulator): {teams.channel_page}", soft_wrap=True)
            console.print(
                f"  Codemark permalink:           {base}/c/{seeded.codemark_id}", soft_wrap=True
            )
            console.print(
                f"  Sign in:                      {base}/web/login"
                f"   ({DEMO_EMAIL} / {DEMO_PASSWORD})",
                soft_wrap=True,
            )
            console.print(f"  REST API docs:                {base}/docs", soft_wrap=True)
            console.print(f"  Team:                         {seeded.team_name}\n")
            if check:
                console.print("Demo check passed: the shared codemark's card is in the channel.")
                return
            console.print("Press Ctrl+C to stop.")
            while thread.is_alive():
                thread.join(0.5)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    except DemoError as exc:
        fail(f"the demo stopped: {exc}")
    finally:
        emulator.stop()
