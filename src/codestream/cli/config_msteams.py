"""`codestream config msteams`: the seed's "put the bot's id and secret in the config" step, guided.

It checks the ids are GUIDs before anything is written, takes the client secret from a hidden
prompt or stdin (never argv), backs the file up and rewrites it atomically, so a mistake leaves
the old config in place.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from typing import Annotated, Any, Final

import typer

from codestream.cli.output import fail, warn
from codestream.cli.runtime import config_file
from codestream.config import (
    CLOUDS,
    ConfigError,
    masked,
    read_document,
    validate_document,
    write_document,
)
from codestream.config.checks import parse_expiry

__all__ = ["BLOCK", "EXPIRES_KEY", "is_guid", "msteams", "parse_expiry"]

BLOCK: Final = "microsoft.com"
EXPIRES_KEY: Final = "botAppPasswordExpiresAt"
_GUID: Final = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_GUID_EXAMPLE: Final = "like 0a1b2c3d-1111-2222-3333-444455556666"


def is_guid(value: str) -> bool:
    """Whether `value` is a GUID in its usual 8-4-4-4-12 hex form."""
    return bool(_GUID.fullmatch(value))


def _check_guid(option: str, value: str, where: str) -> None:
    if not is_guid(value):
        fail(f"{option}: expected a GUID {_GUID_EXAMPLE} ({where}), got {json.dumps(value)}")


def _read_secret(existing: bool, from_stdin: bool) -> str | None:
    """The new client secret, or None to keep the one in the file."""
    if from_stdin:
        secret = sys.stdin.read().rstrip("\r\n")
    else:
        hint = " (Enter keeps the current one)" if existing else ""
        secret = typer.prompt(
            f"Client secret VALUE (not its ID){hint}",
            hide_input=True,
            default="" if existing else None,
            show_default=False,
        )
    if secret:
        return secret
    if existing:
        return None
    source = "stdin was empty" if from_stdin else "nothing was entered"
    fail(
        "--password-stdin: expected the client secret's Value from Azure (Certificates & "
        f"secrets), but {source}; nothing was changed"
    )


def msteams(
    ctx: typer.Context,
    app_id: Annotated[
        str,
        typer.Option(
            "--app-id",
            metavar="GUID",
            help="The bot's Microsoft App ID (Azure Bot > Configuration; the app registration's "
            "Application (client) ID).",
        ),
    ],
    tenant_id: Annotated[
        str,
        typer.Option(
            "--tenant-id",
            metavar="GUID",
            help="The Directory (tenant) ID the bot is registered in (single-tenant bots).",
        ),
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the client secret from stdin instead of a hidden prompt.",
        ),
    ] = False,
    cloud: Annotated[
        str | None,
        typer.Option(
            "--cloud",
            help="Microsoft cloud: public, gcc, gcchigh or dod (default: keep, else public).",
        ),
    ] = None,
    password_expires: Annotated[
        str | None,
        typer.Option(
            "--password-expires",
            metavar="DATE",
            help="When the client secret expires (ISO date, e.g. 2027-05-31), so "
            "`codestream doctor` can warn in time.",
        ),
    ] = None,
) -> None:
    """Write the Teams bot's ids and client secret into integrations.msteams."microsoft.com".

    The ids are checked first. The secret is read from a hidden prompt (or stdin with
    --password-stdin), so it stays out of your shell history.

    The previous file is kept as a timestamped backup; other keys in the block are kept.
    """
    _check_guid("--app-id", app_id, "the Azure Bot's Microsoft App ID")
    _check_guid("--tenant-id", tenant_id, "the Directory (tenant) ID of the bot's app registration")
    if cloud is not None and cloud not in CLOUDS:
        fail(f"--cloud: expected one of {', '.join(CLOUDS)}, got {json.dumps(cloud)}")
    expires = None
    if password_expires is not None:
        expires = parse_expiry(password_expires)
        if expires is None:
            fail(
                "--password-expires: expected an ISO date like 2027-05-31 (the secret's "
                f"Expires column in Azure), got {json.dumps(password_expires)}"
            )
    path = config_file(ctx)
    try:
        doc = read_document(path)
    except ConfigError as exc:
        fail(exc.message)
    updated = copy.deepcopy(doc)
    integrations = updated.setdefault("integrations", {})
    teams = integrations.setdefault("msteams", {}) if isinstance(integrations, dict) else None
    if not isinstance(teams, dict):
        fail(f"{path}: integrations.msteams is not an object; fix it by hand, then run this again")
    current = teams.get(BLOCK)
    block: dict[str, Any] = current if isinstance(current, dict) else {}
    existing_secret = isinstance(block.get("botAppPassword"), str) and bool(block["botAppPassword"])
    secret = _read_secret(existing_secret, password_stdin)
    block = {**block, "botAppId": app_id.lower(), "botAppTenantId": tenant_id.lower()}
    if secret is not None:
        block["botAppPassword"] = secret
    if cloud is not None:
        block["cloud"] = cloud
    if expires is not None:
        block[EXPIRES_KEY] = expires.isoformat()
    teams[BLOCK] = block
    problems = [p for p in validate_document(updated) if p not in validate_document(doc)]
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        fail(f"{path} not changed: the result would not be valid:\n{listed}")
    try:
        backup = write_document(path, updated)
    except ConfigError as exc:
        fail(exc.message)
    shown = json.dumps({BLOCK: masked(block)}, indent=2, ensure_ascii=False)
    typer.echo(f"Wrote integrations.msteams in {path}:\n{shown}")
    if backup is not None:
        typer.echo(f"Backup of the previous file: {backup}")
    if block.get("disabled") is True:
        warn(f"the {BLOCK} block has disabled: true, so the bot stays off until you set it false")
    others = [name for name, b in teams.items() if name != BLOCK and isinstance(b, dict)]
    if any(teams[name].get("disabled") is not True for name in others):
        warn(
            f"integrations.msteams also has {', '.join(others)}; the services use the first "
            "enabled block, so disable the others (set their disabled to true)"
        )
    typer.echo(
        "Next: `codestream doctor` checks these credentials against Microsoft; then "
        "`codestream restart` so the services read them."
    )
