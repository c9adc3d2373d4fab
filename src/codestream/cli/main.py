"""The `codestream` command: the root Typer app and its global options.

Each command group lives in a module of its own, imported when it is used (see `registry`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from codestream import __version__
from codestream.cli.registry import LazyCommands
from codestream.cli.state import CliState
from codestream.errors import CodeStreamError

app = typer.Typer(
    cls=LazyCommands,
    name="codestream",
    help="CodeStream On-Prem: code discussion with a Microsoft Teams bot.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"codestream {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Services config file (default: codestream-services-config.json in ~/.codestream).",
        envvar="CSSVC_CFG_FILE",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """CodeStream On-Prem: code discussion with a Microsoft Teams bot."""
    ctx.obj = CliState(config_path=config)


def _register_commands() -> None:
    """Nothing left to do: `app` finds every command in `registry.COMMANDS` when it is used.
    Kept for tests written before; remove once no caller is left."""


GLOBAL_VALUE_OPTIONS = ("--config",)
"""Options of `codestream` itself that users also type after the command."""


def hoist_global_options(args: list[str]) -> list[str]:
    """`codestream serve --config X` read as `codestream --config X serve`: people type the
    global option after the command as often as before it. Nothing after `--` is moved."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in GLOBAL_VALUE_OPTIONS and index + 1 < len(args):
            front += [arg, args[index + 1]]
            index += 2
            continue
        if arg.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS:
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return front + rest


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = hoist_global_options(argv if argv is not None else sys.argv[1:])
    try:
        app(args=args, prog_name="codestream")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except CodeStreamError as exc:
        # A command that did not expect it (e.g. the database is down): one line, not a traceback.
        from codestream.cli.output import EXIT_USAGE, print_error

        print_error(exc.message)
        return EXIT_USAGE
    return 0
