"""The table of commands: each top-level name and the module that attaches it.

A command's module is imported only when that command runs (or when `--help` lists the commands),
so `codestream --version` or `codemark list` never load the server, the database or the emulator.
Add a line here when you add a command; the module's `register(app)` attaches it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from importlib import import_module
from typing import Any, Final

import typer
import typer.main
from typer._click.core import Command, Context  # Typer ships its own copy of click
from typer.core import TyperGroup

COMMANDS: Final[dict[str, str]] = {
    "init": "config_cmd",
    "create-mst-app-package": "package_cmd",
    "create-mst-app-pkg": "package_cmd",  # hidden alias
    "validate-mst-app-package": "package_cmd",
    "serve": "server_cmd",
    "login": "codemark_cmd",
    "demo": "demo_cmd",
    "start": "service_cmd",
    "stop": "service_cmd",
    "restart": "service_cmd",
    "status": "service_cmd",
    "doctor": "doctor_cmd",
    "emulator": "emulator_cmd",
    "worker": "worker_cmd",
    "config": "config_cmd",
    "db": "server_cmd",
    "user": "admin_cmd",
    "team": "admin_cmd",
    "codemark": "codemark_cmd",
    "notifications": "notifications_cmd",
}
"""Command name -> module in `codestream.cli`, in the order `codestream --help` lists them."""


def module_commands(module: str) -> TyperGroup:
    """The commands `codestream.cli.<module>` attaches, as a click group (built once per module)."""
    group = _built.get(module)
    if group is None:
        scratch = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False)
        import_module(f"codestream.cli.{module}").register(scratch)
        group = _built[module] = typer.main.get_group(scratch)
    return group


_built: dict[str, TyperGroup] = {}


class _OnUse(MutableMapping[str, Command]):
    """The root's commands: those attached directly, then the table's, each built on first use."""

    def __init__(self, attached: Mapping[str, Command]) -> None:
        self._commands = dict(attached)

    def __getitem__(self, name: str) -> Command:
        if name not in self._commands and name in COMMANDS:
            command = module_commands(COMMANDS[name]).commands.get(name)
            if command is not None:
                self._commands[name] = command
        return self._commands[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._commands
        yield from (name for name in COMMANDS if name not in self._commands)

    def __len__(self) -> int:
        return len(self._commands.keys() | COMMANDS.keys())


class LazyCommands(TyperGroup):
    """The root group: knows every command's name, imports a command's module when the command
    is run or described (`--help` describes them all)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _OnUse(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        """Every command's name, without importing any."""
        return list(self.commands)
