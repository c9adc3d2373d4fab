"""Doctor check of the Teams app's developer links (website, privacy statement, terms of use):
Teams shows them in the app's details, so each should answer. A dead link is a warning, not a
failure: the bot works without it."""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

from codestream.apppackage import settings_from_mapping
from codestream.apppackage.links import check_links, settings_links
from codestream.cli.doctor.report import Finding
from codestream.config import Config
from codestream.errors import CodeStreamError

__all__ = ["check_app_links"]

TITLE = "app links"


async def check_app_links(config: Config, http_timeout: float) -> Finding:
    """Fetch the links a package built from this config names; warn about each that fails."""
    msteams = config.msteams
    # The package names the bare host (Teams' https on 443); the public URL's host and port say
    # the same in production and still reach a test or staging server on another port.
    host = urlsplit(config.public_api_url).netloc
    if msteams is None or not host:
        return Finding.skipped(TITLE, "no Microsoft Teams bot configured")
    where = f"integrations.msteams.{msteams.block_name}.appPackage"
    try:
        settings = settings_from_mapping(msteams.app_package, where=where)
    except CodeStreamError:
        return Finding.skipped(TITLE, f"{where} is not valid")
    links = settings_links(settings, host)
    context = ssl.create_default_context()  # as the publicApiUrl check: the system's store
    async with httpx.AsyncClient(verify=context, timeout=http_timeout) as http:
        results = await check_links(http, links)
    dead = [r for r in results if r.dead]
    unreached = [r for r in results if not r.reached]
    if dead:
        keys = ", ".join(f"{where}.{r.key}" for r in dead)
        return Finding.warn(
            TITLE,
            "; ".join(r.describe() for r in dead)
            + ": Teams shows these links in the app's details",
            f"serve a page at each URL, or point {keys} at one that works and rebuild the "
            "package (codestream create-mst-app-package)",
        )
    if len(unreached) == len(results):
        return Finding.skipped(TITLE, "; ".join(r.describe() for r in unreached))
    answered = ", ".join(f"{r.key} ({r.status})" for r in results if r.reached)
    note = "; " + "; ".join(r.describe() for r in unreached) if unreached else ""
    return Finding.ok(TITLE, f"{answered} answer{note}")
