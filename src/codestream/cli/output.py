"""Shared output helpers for CLI commands.

- `console`: rich console on stdout, for tables and progress.
- `err_console`: rich console on stderr, for errors, warnings and hints.
- `fail(message)`: print `Error: message` in red on stderr and exit with code 2.
- `say(message)`: print a sentence on stdout, literally and unwrapped.
- `warn(message)`: print `Warning: message` in yellow on stderr and carry on.

Messages are printed literally (rich markup in them is escaped) and never wrapped, so paths and
values stay copy-pasteable. When the output is not a terminal (a pipe, a file) nothing is wrapped
or cut: a table prints one row per line, whole, however wide. Both consoles look up
`sys.stdout`/`sys.stderr` when they print, so `typer.testing.CliRunner` captures them. For
machine-readable output (JSON, a bare value) use `typer.echo`, not rich, so nothing gets
highlighted or wrapped.
"""

from __future__ import annotations

from typing import Final, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

__all__ = ["EXIT_USAGE", "console", "err_console", "fail", "print_error", "say", "warn"]

#: Exit code for every error a user can fix: bad input, bad config, unwritable location.
EXIT_USAGE: Final = 2

#: The width of a console whose output is not a terminal: wider than any line we print.
UNBOUNDED: Final = 100_000


class _Console(Console):
    """A rich console that fits the terminal, and wraps nothing when it does not print to one
    (Rich would wrap and crop at 80 columns there, splitting URLs and cutting table cells)."""

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size; unbounded width when the output is not a terminal."""
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNBOUNDED, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self.width, self.height = new_size


console: Final[Console] = _Console()
err_console: Final[Console] = _Console(stderr=True)


def say(message: str) -> None:
    """Print a sentence on stdout, literally (markup escaped) and unwrapped."""
    console.print(escape(message), soft_wrap=True, highlight=False)


def fail(message: str) -> NoReturn:
    """Print `Error: <message>` in red on stderr and exit with code 2."""
    print_error(message)
    raise typer.Exit(code=EXIT_USAGE)


def print_error(message: str) -> None:
    """Print `Error: <message>` in red on stderr."""
    err_console.print(f"[bold red]Error:[/bold red] {escape(message)}", soft_wrap=True)


def warn(message: str) -> None:
    """Print `Warning: <message>` in yellow on stderr."""
    err_console.print(f"[bold yellow]Warning:[/bold yellow] {escape(message)}", soft_wrap=True)
