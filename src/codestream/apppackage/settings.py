"""What an admin may choose about the Teams app: names, texts, developer links and colour.

`PackageSettings` is a plain frozen dataclass with defaults, so the builder works without a
config file. `settings_from_mapping` turns the config's `integrations.msteams.<name>.appPackage`
block into one; its keys, checks and defaults are in the settings table (`codestream.config`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from codestream.config import default_of, validate_block
from codestream.config.settings import BLOCK, settings_under
from codestream.errors import InvalidInput

_BLOCK_KEY: Final = f"{BLOCK}.appPackage"
DEFAULT_NAME: Final[str] = default_of(f"{_BLOCK_KEY}.name")
DEFAULT_SHORT_DESCRIPTION: Final[str] = default_of(f"{_BLOCK_KEY}.shortDescription")
DEFAULT_FULL_DESCRIPTION: Final[str] = default_of(f"{_BLOCK_KEY}.fullDescription")
DEFAULT_DEVELOPER_NAME: Final[str] = default_of(f"{_BLOCK_KEY}.developerName")
DEFAULT_ACCENT_COLOR: Final[str] = default_of(f"{_BLOCK_KEY}.accentColor")

#: Config key (as in the services config) → dataclass field: `termsOfUseUrl` → `terms_of_use_url`.
CONFIG_KEYS: Final[Mapping[str, str]] = {
    s.name: re.sub(r"(?=[A-Z])", "_", s.name).lower() for s in settings_under(_BLOCK_KEY)
}


@dataclass(frozen=True)
class PackageSettings:
    """The admin-chosen parts of the manifest.

    URLs left as ``None`` default to pages on the public API host (see `developer_urls`).
    `read_channel_messages`: ask team owners for the RSC permission that lets Teams deliver
    replies in a card's thread without an @mention (false leaves it out of the manifest).
    `message_extension`: the compose box's search and link unfurling (`composeExtensions`).
    """

    name: str = DEFAULT_NAME
    short_description: str = DEFAULT_SHORT_DESCRIPTION
    full_description: str = DEFAULT_FULL_DESCRIPTION
    developer_name: str = DEFAULT_DEVELOPER_NAME
    website_url: str | None = None
    privacy_url: str | None = None
    terms_of_use_url: str | None = None
    accent_color: str = DEFAULT_ACCENT_COLOR
    read_channel_messages: bool = default_of(f"{_BLOCK_KEY}.readChannelMessages")
    message_extension: bool = default_of(f"{_BLOCK_KEY}.messageExtension")

    def developer_urls(self, host: str) -> tuple[str, str, str]:
        """Website, privacy and terms URLs, defaulting to the service's own pages on `host`."""
        return (
            self.website_url or f"https://{host}/web/",
            self.privacy_url or f"https://{host}/web/privacy",
            self.terms_of_use_url or f"https://{host}/web/terms",
        )


def settings_from_mapping(
    values: Mapping[str, Any], *, where: str = "appPackage"
) -> PackageSettings:
    """Build settings from a config block; unknown keys and wrong values are errors.

    `where` names the block in error messages, e.g.
    ``integrations.msteams.microsoft.com.appPackage``.
    """
    for key in values:
        if key not in CONFIG_KEYS:
            known = ", ".join(CONFIG_KEYS)
            raise InvalidInput(
                f"{where}.{key}: unknown setting; the known ones are {known}", field=key
            )
    fields: dict[str, Any] = {}
    for key, value in values.items():
        problems = validate_block({key: value}, _BLOCK_KEY, where=where)
        if problems:
            raise InvalidInput(problems[0], field=key)
        if value is not None:
            fields[CONFIG_KEYS[key]] = value.strip() if isinstance(value, str) else value
    return PackageSettings(**fields)
