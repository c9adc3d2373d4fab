"""The table of command groups. Add a line here when you add a module of commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach every command module to the root app."""
    from codestream.cli import config_cmd, package_cmd

    config_cmd.register(app)  # init, config show|get|set|validate
    package_cmd.register(app)
