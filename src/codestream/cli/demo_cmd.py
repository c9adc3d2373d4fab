"""`codestream demo`: a fresh instance on a temporary SQLite, seeded and served, URLs printed."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer

from codestream.cli.output import console, fail
from codestream.config import Config, config_from_document, new_document, write_document
from codestream.domain.models import CodemarkType, Origin
from codestream.domain.services.codemarks import NewCodemark, NewMarker

DEMO_EMAIL = "ada@example.com"
DEMO_PASSWORD = "codestream-demo"

SAMPLE_FILE = "src/billing/invoice.py"
SAMPLE_START = 12
SAMPLE_CODE = """\
def total(lines):
    amount = 0
    for line in lines:
        amount += line.price * line.quantity
    return round(amount, 2)
"""


@dataclass(frozen=True)
class DemoSeed:
    """What the demo created, for printing its URLs."""

    codemark_id: str
    team_name: str


def register(app: typer.Typer) -> None:
    """Attach `demo`."""
    app.command(name="demo")(demo)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_config(directory: Path, port: int) -> Config:
    """A config for a throwaway instance: SQLite under `directory`, served on loopback."""
    doc = new_document(f"http://127.0.0.1:{port}")
    doc["apiServer"] = {
        "publicApiUrl": f"http://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
    }
    doc["storage"] = {"sqlite": {"path": str(directory / "codestream.db")}}
    path = directory / "codestream-services-config.json"
    write_document(path, doc)
    return config_from_document(doc, source=path, environ={})


async def seed(config: Config) -> DemoSeed:
    """A user, a team and a codemark on a file of a GitHub-hosted repo, with one reply."""
    from codestream.cli.runtime import open_services

    async with open_services(config) as services:
        ada = await services.accounts.sign_up(
            email=DEMO_EMAIL, password=DEMO_PASSWORD, full_name="Ada Lovelace"
        )
        grace = await services.accounts.sign_up(
            email="grace@example.com", password=DEMO_PASSWORD, full_name="Grace Hopper"
        )
        team = await services.teams.create_team(ada, "Analytical Engines")
        await services.teams.add_member(ada, team.id, grace.email)
        lines = SAMPLE_CODE.rstrip("\n").count("\n") + 1
        codemark = await services.codemarks.create_codemark(
            ada,
            NewCodemark(
                team_id=team.id,
                type=CodemarkType.ISSUE,
                title="Rounding each invoice total loses cents across a batch",
                text="We round per invoice and then sum. Sum first, round once "
                "(and use `Decimal`).",
                assignees=(grace.id,),
                tags=("billing",),
                origin=Origin.IDE,
                markers=(
                    NewMarker(
                        file=SAMPLE_FILE,
                        line_start=SAMPLE_START,
                        line_end=SAMPLE_START + lines - 1,
                        code=SAMPLE_CODE,
                        remotes=("git@github.com:analytical-engines/billing.git",),
                        commit_sha="3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                        branch="main",
                        language="python",
                    ),
                ),
            ),
        )
        await services.codemarks.add_reply(
            grace, codemark.id, "Agreed. I'll switch to Decimal.", Origin.WEB
        )
    return DemoSeed(codemark_id=codemark.id, team_name=team.name)


def _check(config: Config, seeded: DemoSeed) -> None:
    base = f"http://127.0.0.1:{config.api_port}"
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(100):
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        login = client.post("/api/v1/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        login.raise_for_status()
        token = login.json()["accessToken"]
        got = client.get(
            f"/api/v1/codemarks/{seeded.codemark_id}", headers={"Authorization": f"Bearer {token}"}
        )
        got.raise_for_status()
    console.print("Demo check passed: the server answers and the seeded codemark is there.")


def demo(
    port: int = typer.Option(0, min=0, max=65535, help="Port to serve on (default: a free one)."),
    data_dir: Path | None = typer.Option(
        None, "--dir", help="Keep the demo's config and database here (default: a temp folder)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Start, check that it works, and stop (for CI and smoke tests)."
    ),
) -> None:
    """Try CodeStream in one command: a fresh, seeded instance on a temporary SQLite database."""
    import uvicorn

    from codestream.web.app import create_app

    directory = data_dir or Path(tempfile.mkdtemp(prefix="codestream-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "codestream.db").exists():
        fail(f"{directory} already holds a demo database; pass another --dir or remove it")
    config = demo_config(directory, port or _free_port())
    seeded = asyncio.run(seed(config))
    base = config.public_api_url
    console.print(f"\n[bold]CodeStream demo[/bold] (data in {directory})")
    console.print(f"  Codemark permalink: {base}/c/{seeded.codemark_id}")
    console.print(f"  Sign in:            {base}/web/login   ({DEMO_EMAIL} / {DEMO_PASSWORD})")
    console.print(f"  REST API docs:      {base}/docs")
    console.print(f"  Team:               {seeded.team_name}\n")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), host="127.0.0.1", port=config.api_port, log_level="warning"
        )
    )
    if not check:
        console.print("Press Ctrl+C to stop.")
        server.run()
        return
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _check(config, seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
