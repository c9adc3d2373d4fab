"""The developer links of a Teams app (website, privacy statement, terms of use): which URLs a
manifest names, and whether they answer.

Teams shows these links in the app's details, so a dead one is the first thing a curious user
meets. `check_links` fetches each URL (GET, following redirects) with the client it is given and
reports its status; a URL that can't be reached from here (no DNS, no route, a timeout) is
reported as not checked rather than dead, since Teams users may reach what this machine can't.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

from codestream.apppackage.settings import PackageSettings

__all__ = [
    "LINK_KEYS",
    "LinkCheck",
    "check_links",
    "links_in_package",
    "manifest_links",
    "settings_links",
]

LINK_KEYS: Final = ("websiteUrl", "privacyUrl", "termsOfUseUrl")
"""The manifest's `developer` keys that Teams shows as links."""


@dataclass(frozen=True)
class LinkCheck:
    """What fetching one developer link gave: its HTTP status, or why it wasn't reached."""

    key: str
    url: str
    status: int | None
    error: str = ""

    @property
    def dead(self) -> bool:
        """The server answered, with an error status (404, 500...)."""
        return self.status is not None and self.status >= 400

    @property
    def reached(self) -> bool:
        """Something answered at the URL."""
        return self.status is not None

    def describe(self) -> str:
        """One line: `privacyUrl https://host/web/privacy answered 404`."""
        if self.status is None:
            return f"{self.key} {self.url} could not be fetched from here ({self.error})"
        return f"{self.key} {self.url} answered {self.status}"


def manifest_links(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (key, URL) pairs of the manifest's developer links that are strings."""
    developer = manifest.get("developer")
    if not isinstance(developer, Mapping):
        return []
    return [(k, developer[k]) for k in LINK_KEYS if isinstance(developer.get(k), str)]


def settings_links(settings: PackageSettings, host: str) -> list[tuple[str, str]]:
    """The links a package built from `settings` for `host` names (as `build_manifest` does)."""
    return list(zip(LINK_KEYS, settings.developer_urls(host), strict=True))


def links_in_package(zip_path: Path) -> list[tuple[str, str]]:
    """The developer links of the manifest in a package zip; [] if it can't be read."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            manifest = json.loads(archive.read("manifest.json").decode("utf-8-sig"))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return []
    return manifest_links(manifest) if isinstance(manifest, Mapping) else []


async def _check(http: httpx.AsyncClient, key: str, url: str) -> LinkCheck:
    try:
        response = await http.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        return LinkCheck(key, url, None, type(exc).__name__)
    return LinkCheck(key, url, response.status_code)


async def check_links(http: httpx.AsyncClient, links: Iterable[tuple[str, str]]) -> list[LinkCheck]:
    """Fetch each (key, URL) at once with `http`; one result per link, in order."""
    return list(await asyncio.gather(*(_check(http, key, url) for key, url in links)))
