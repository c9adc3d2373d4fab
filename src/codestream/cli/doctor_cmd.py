"""`codestream doctor`: check the installation end to end, one line per check, a fix for each
failure. Exit code 0 when nothing failed (warnings allowed), 1 otherwise."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape

from codestream.cli.output import console
from codestream.cli.runtime import config_file

__all__ = ["doctor", "register"]

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim"}


def register(app: typer.Typer) -> None:
    """Attach `doctor`."""
    app.command("doctor")(doctor)


def doctor(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.5, help="Seconds to wait for each remote answer.")
    ] = 10.0,
) -> None:
    """Check the config, the bot's credentials against Microsoft, the public HTTPS endpoint, the
    proxy, the secret's expiry, the database and the outbox.

    Prints one line per check (✔ good, ! look at it, ✖ broken, with a fix). Exits 1 if any check
    failed, else 0.
    """
    from codestream.cli.doctor import exit_code, render, run_checks
    from codestream.cli.doctor.report import Finding

    path = config_file(ctx)
    findings: list[Finding] = []

    async def run() -> None:
        async for finding in run_checks(path, http_timeout=timeout):
            findings.append(finding)
            first, *rest = render(finding)
            mark, text = first.split(" ", 1)
            style = STYLES[finding.status.value]
            console.print(
                f"[{style}]{mark}[/{style}] {escape(text)}", soft_wrap=True, highlight=False
            )
            for line in rest:
                console.print(escape(line), soft_wrap=True, highlight=False)

    asyncio.run(run())
    failed = sum(1 for f in findings if f.status.value == "fail")
    warned = sum(1 for f in findings if f.status.value == "warn")
    summary = "All checks passed." if not failed else f"{failed} check(s) failed."
    if warned:
        summary += f" {warned} warning(s)."
    console.print(summary, highlight=False)
    raise typer.Exit(exit_code(findings))
