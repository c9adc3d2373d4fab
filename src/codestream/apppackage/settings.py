"""What an admin may choose about the Teams app: names, texts, developer links and colour.

`PackageSettings` is a plain frozen dataclass with defaults, so the builder works without a
config file. `settings_from_mapping` turns the config's `integrations.msteams.<name>.appPackage`
block (keys `name`, `shortDescription`, `fullDescription`, `developerName`, `websiteUrl`,
`privacyUrl`, `termsOfUseUrl`, `accentColor`: strings; `readChannelMessages`: true or false)
into one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codestream.errors import InvalidInput

DEFAULT_NAME = "CodeStream"
DEFAULT_SHORT_DESCRIPTION = "Share code discussions from CodeStream into Teams channels."
DEFAULT_FULL_DESCRIPTION = (
    "CodeStream lets developers discuss code where it lives: comments, questions and issues "
    "attached to lines of code. This bot shares those codemarks into Microsoft Teams channels "
    "as cards, so the whole team can follow along. Sign in from the personal chat with the bot, "
    "then mention the bot with `connect` in any channel that should receive codemarks."
)
DEFAULT_DEVELOPER_NAME = "CodeStream On-Prem"
DEFAULT_ACCENT_COLOR = "#009AEF"

#: Config key (as in the services config) → dataclass field.
CONFIG_KEYS: Mapping[str, str] = {
    "name": "name",
    "shortDescription": "short_description",
    "fullDescription": "full_description",
    "developerName": "developer_name",
    "websiteUrl": "website_url",
    "privacyUrl": "privacy_url",
    "termsOfUseUrl": "terms_of_use_url",
    "accentColor": "accent_color",
    "readChannelMessages": "read_channel_messages",
}
BOOLEAN_KEYS: frozenset[str] = frozenset({"readChannelMessages"})


@dataclass(frozen=True)
class PackageSettings:
    """The admin-chosen parts of the manifest.

    URLs left as ``None`` default to pages on the public API host (see `developer_urls`).
    `read_channel_messages`: ask team owners for the RSC permission that lets Teams deliver
    replies in a card's thread without an @mention (false leaves it out of the manifest).
    """

    name: str = DEFAULT_NAME
    short_description: str = DEFAULT_SHORT_DESCRIPTION
    full_description: str = DEFAULT_FULL_DESCRIPTION
    developer_name: str = DEFAULT_DEVELOPER_NAME
    website_url: str | None = None
    privacy_url: str | None = None
    terms_of_use_url: str | None = None
    accent_color: str = DEFAULT_ACCENT_COLOR
    read_channel_messages: bool = True

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
    """Build settings from a config block; unknown keys and non-string values are errors.

    `where` names the block in error messages, e.g.
    ``integrations.msteams.microsoft.com.appPackage``.
    """
    fields: dict[str, Any] = {}
    for key, value in values.items():
        field = CONFIG_KEYS.get(key)
        if field is None:
            known = ", ".join(CONFIG_KEYS)
            raise InvalidInput(
                f"{where}.{key}: unknown setting; the known ones are {known}", field=key
            )
        if value is None:
            continue
        if key in BOOLEAN_KEYS:
            if not isinstance(value, bool):
                raise InvalidInput(
                    f"{where}.{key}: expected true or false, got {value!r}", field=key
                )
            fields[field] = value
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(
                f"{where}.{key}: expected a non-empty string, got {value!r}", field=key
            )
        fields[field] = value.strip()
    return PackageSettings(**fields)
