"""`codestream init` and `codestream config show|get|set|validate`: the services config file.

Every mistake a user can make here (bad URL, bad value, broken file, unwritable place) ends with
`Error: ...` naming the bad value and what would be right, exit code 2, and nothing changed.
"""

from __future__ import annotations

import copy
import json
import shlex
import stat
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from codestream.cli.config_msteams import msteams
from codestream.cli.output import fail, warn
from codestream.cli.state import CliState
from codestream.config import (
    ConfigError,
    apply_env_overrides,
    config_path,
    default_config_path,
    get_value,
    has_comments,
    is_secret_path,
    load_config,
    masked,
    new_document,
    read_document,
    resolve_key,
    resolved_document,
    set_value,
    validate_document,
    write_document,
)
from codestream.config.reference import render_reference
from codestream.config.secret import MASK
from codestream.config.settings import nearest_key, read_by_services

__all__ = ["config_app", "init", "register"]

config_app = typer.Typer(
    name="config",
    help="Show, read, change and check the services config "
    "(~/.codestream/codestream-services-config.json).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

BOT_BLOCK = "integrations.msteams.microsoft.com"

config_app.command("msteams")(msteams)  # the guided shortcut, in its own module


def register(app: typer.Typer) -> None:
    """Attach `init` and the `config` group to the root app."""
    app.command("init")(init)
    app.add_typer(config_app, name="config")


def _config_file(ctx: typer.Context) -> Path:
    state = ctx.find_object(CliState)
    return config_path(state.config_path if state is not None else None)


def _read(path: Path) -> dict[str, Any]:
    try:
        return read_document(path)
    except ConfigError as exc:
        fail(exc.message)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _echo_value(value: Any) -> None:
    """Strings print bare (for scripts: `$(codestream config get ...)`), the rest as JSON."""
    if isinstance(value, str):
        typer.echo(value)
    else:
        _echo_json(value)


def _command_prefix(path: Path) -> str:
    if path == default_config_path():
        return "codestream"
    return f"codestream --config {shlex.quote(str(path))}"


@config_app.command("show")
def show(
    ctx: typer.Context,
    resolved: Annotated[
        bool,
        typer.Option(
            "--resolved",
            help="Show the effective values: environment overrides applied, defaults filled in.",
        ),
    ] = False,
) -> None:
    """Print the config as JSON, with secrets masked as ********."""
    path = _config_file(ctx)
    doc = _read(path)
    if resolved:
        _, origins = apply_env_overrides(doc)
        doc = resolved_document(doc)
        for key, env_name in sorted(origins.items()):
            typer.echo(f"# {key} comes from ${env_name}", err=True)
    _echo_json(masked(doc))


@config_app.command("get")
def get(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            metavar="KEY.PATH",
            help="Dotted key, e.g. apiServer.publicApiUrl or "
            "integrations.msteams.microsoft.com.botAppId.",
        ),
    ],
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Print secrets instead of ********.")
    ] = False,
    resolved: Annotated[
        bool,
        typer.Option(
            "--resolved", help="Read the effective value (environment overrides, defaults)."
        ),
    ] = False,
) -> None:
    """Print one value: strings as they are, anything else as JSON. Secrets need --reveal."""
    path = _config_file(ctx)
    doc = _read(path)
    if resolved:
        doc = resolved_document(doc)
    try:
        keys = resolve_key(doc, key)
    except ConfigError as exc:
        fail(f"{exc.message} in {path}")
    value = get_value(doc, key)
    if reveal:
        _echo_value(value)
        return
    shown: Any = masked(doc)
    for part in keys:
        shown = shown[part]
    _echo_value(shown)
    if shown != value:
        typer.echo("(secret masked; add --reveal to print it)", err=True)


def _parse_value(raw: str, *, as_string: bool, secret: bool) -> Any:
    if as_string:
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if secret and isinstance(value, bool | int | float):
        return raw  # a secret of digits is still a string
    return value


def _read_value(key: str, secret: bool) -> str:
    if sys.stdin.isatty():
        text: str = typer.prompt(f"Value for {key}", hide_input=secret)
        return text
    return sys.stdin.read().rstrip("\r\n")


@config_app.command(
    "set",
    epilog="The file is rewritten as plain JSON: comments in it are not kept (the backup has "
    "them). Unknown keys are kept.",
)
def set_(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            metavar="KEY.PATH",
            help="Dotted key, e.g. integrations.msteams.microsoft.com.botAppId. Missing objects "
            "are created.",
        ),
    ],
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="VALUE",
            help="JSON (numbers, true/false/null, objects, lists) or else a plain string. "
            "Leave it out to be prompted (hidden for secrets) or to read it from stdin, which "
            "keeps secrets out of your shell history.",
        ),
    ] = None,
    as_string: Annotated[
        bool, typer.Option("--string", help="Take VALUE as a string even if it is valid JSON.")
    ] = False,
    from_stdin: Annotated[
        bool,
        typer.Option(
            "--stdin",
            help="Read VALUE from a prompt (hidden for secrets) or from stdin, never from the "
            'command line: `printf %s "$SECRET" | codestream config set KEY --stdin`.',
        ),
    ] = False,
) -> None:
    """Change one value, after checking that the result is a valid config.

    First a timestamped backup of the file is written next to it (mode 0600).

    Then the file is replaced atomically, with mode 0600.

    An invalid result is refused: nothing is written, and the problems are listed.

    Values of secret keys (passwords, secrets, tokens) are always taken as strings.
    """
    path = _config_file(ctx)
    doc = _read(path)
    before = validate_document(doc)
    updated = copy.deepcopy(doc)
    secret = is_secret_path(list(key.split(".")))
    if from_stdin and value is not None:
        fail(f"give VALUE or --stdin, not both (got VALUE and --stdin for {key})")
    raw = value if value is not None else _read_value(key, secret)
    parsed = _parse_value(raw, as_string=as_string, secret=secret)
    try:
        set_value(updated, key, parsed)
    except ConfigError as exc:
        fail(exc.message)
    after = validate_document(updated)
    introduced = [p for p in after if p not in before]
    if introduced:
        problems = "\n".join(f"  - {p}" for p in introduced)
        fail(f"{path} not changed: setting {key} would make the config invalid:\n{problems}")
    try:
        original_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        original_text = ""
    try:
        backup = write_document(path, updated)
    except ConfigError as exc:
        fail(exc.message)
    keys = resolve_key(updated, key)
    nearest = None if read_by_services(keys) else nearest_key(keys)
    shown: Any = masked(updated)
    for part in keys:
        shown = shown[part]
    if nearest is not None and is_secret_path(list[str | int](nearest.split("."))):
        # A mistyped secret's key (`botAppPasword`) says no secret word: mask it all the same.
        secret = True
        if isinstance(shown, str) and shown:
            shown = MASK
    typer.echo(f"Set {key} = {json.dumps(shown, ensure_ascii=False)} in {path}")
    if not read_by_services(keys):
        hint = f"; did you mean {nearest}?" if nearest else " (see `codestream config docs`)"
        warn(f"{key} is not a setting the services read, so it changes nothing{hint}")
    if backup is not None:
        typer.echo(f"Backup of the previous file: {backup}")
        if has_comments(original_text):
            warn(f"comments in {path} were not kept; the backup still has them")
    if secret and value is not None:
        warn(
            f"the value of {key} was on the command line, so it may be in your shell history; "
            "next time leave VALUE out (or pass --stdin) to be prompted instead"
        )
    if after:
        warn(f"{path} still has {len(after)} problem(s) from before:")
        for problem in after:
            typer.echo(f"  - {problem}", err=True)


@config_app.command("validate")
def validate(ctx: typer.Context) -> None:
    """Check the config as the services will see it (environment overrides included).

    Prints `OK: <path>`, or every problem and exits with code 2.
    """
    path = _config_file(ctx)
    try:
        config = load_config(path)
    except ConfigError as exc:  # ConfigInvalid lists every problem in its message
        fail(exc.message)
    problems = []
    for key, file in (("ssl.certfile", config.ssl_certfile), ("ssl.keyfile", config.ssl_keyfile)):
        if file is not None and not file.is_file():
            problems.append(f"{key}: expected an existing file, got {json.dumps(str(file))}")
    if problems:
        fail(f"{path} is not valid:\n" + "\n".join(f"  - {p}" for p in problems))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        warn(
            f"{path} holds secrets but other users may read it (mode {mode:o}); "
            f"run: chmod 600 {shlex.quote(str(path))}"
        )
    typer.echo(f"OK: {path}")


@config_app.command("docs")
def docs() -> None:
    """Print the reference of every config key as Markdown (committed as docs/admin/settings.md)."""
    typer.echo(render_reference(), nl=False)


def init(
    ctx: typer.Context,
    public_url: Annotated[
        str,
        typer.Option(
            "--public-url",
            metavar="URL",
            help="The public https address of this server as Teams reaches it, e.g. "
            "https://codestream.example.com (scheme, host and optional port only).",
        ),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace an existing config; the old one is kept as a backup."
        ),
    ] = False,
) -> None:
    """Write a fresh services config with random shared secrets and SQLite storage."""
    path = _config_file(ctx)
    try:
        doc = new_document(public_url)
    except ConfigError as exc:
        fail(exc.message)
    if path.is_dir():
        fail(f"{path} is a directory; expected a config file path (see --config)")
    if path.exists() and not force:
        fail(
            f"{path} already exists; pass --force to replace it "
            "(the old file is kept as a timestamped backup)"
        )
    try:
        backup = write_document(path, doc)
    except ConfigError as exc:
        fail(exc.message)
    public = doc["apiServer"]["publicApiUrl"]
    cs = _command_prefix(path)
    typer.echo(f"Wrote a new config to {path} (mode 0600).")
    if backup is not None:
        typer.echo(f"The previous config is kept as {backup}.")
    host = public.split("://", 1)[1]
    typer.echo(
        "\nNext steps:\n"
        "  1. In the Azure portal, create an Azure Bot (single tenant) with the messaging "
        f"endpoint\n     {public}/no-auth/provider-action/msteams\n"
        "     and add the Microsoft Teams channel.\n"
        "  2. Put the bot's ids and a client secret into this config:\n"
        f"       {cs} config set {BOT_BLOCK}.botAppId <app id>\n"
        f"       {cs} config set {BOT_BLOCK}.botAppTenantId <tenant id>\n"
        f"       {cs} config set {BOT_BLOCK}.botAppPassword    (prompts for the secret)\n"
        f"  3. Check it:  {cs} config validate\n"
        f"  4. Build the Teams app package:  {cs} create-mst-app-package <app id> {host}\n"
        f"  5. Start the services:  {cs} serve"
    )
