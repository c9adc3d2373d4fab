"""`codestream doctor`'s checks, in the order an admin meets the problems.

Each check returns `Finding`s; `run_checks` yields them as they complete so the command can print
one line per check at once. Secrets are never part of a finding.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from codestream.cli.doctor.bot import (
    check_credentials,
    check_keys,
    check_secret_expiry,
    check_token,
)
from codestream.cli.doctor.database import check_database, check_outbox
from codestream.cli.doctor.links import check_app_links
from codestream.cli.doctor.public import check_public_url
from codestream.cli.doctor.report import Finding, Status, exit_code, render
from codestream.config import ConfigError, load_config

__all__ = ["Finding", "Status", "exit_code", "render", "run_checks"]

CONFIG = "config"


async def run_checks(path: Path, *, http_timeout: float = 10.0) -> AsyncIterator[Finding]:
    """Every check against the config at `path`; stops after a config that doesn't load."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        yield Finding.fail(
            CONFIG,
            exc.message,
            "codestream config validate lists every problem; fix each with "
            "codestream config set KEY VALUE",
        )
        return
    yield Finding.ok(CONFIG, f"{path} is valid")
    credentials, settings = check_credentials(config)
    yield credentials
    async with httpx.AsyncClient(timeout=http_timeout) as http:
        if settings is None:
            yield Finding.skipped("token request", "no bot credentials")
            yield Finding.skipped("OpenID metadata and keys", "no bot credentials")
        else:
            yield await check_token(http, settings, config)
            yield await check_keys(http, settings)
    for finding in await check_public_url(config.public_api_url, http_timeout):
        yield finding
    if config.msteams is not None:
        yield check_secret_expiry(config)
        yield await check_app_links(config, http_timeout)
    yield await check_database(config)
    yield await check_outbox(config)
