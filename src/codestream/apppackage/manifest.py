"""The Teams app manifest (schema v1.30) for the CodeStream bot.

Compared with the original on-prem template (manifest 1.5): the `groupChat` scope is back, `status`
is listed, `packageName` is gone (not in the schema since 1.x), and so is `permissions`: the schema
still accepts `identity`/`messageTeamMembers` but Microsoft documents the property as deprecated and
Teams ignores it.

New: the resource-specific consent (RSC) permission `ChannelMessage.Read.Group`, so that replies
written under a shared codemark's card reach the bot without an @mention (Teams otherwise delivers
only messages that mention it); a team owner grants it when adding the app to a team. RSC needs
`webApplicationInfo` with the app's Entra id; its `resource` is unused by RSC but must be present.
`appPackage.readChannelMessages: false` leaves both out, for organisations that refuse the
consent: replies then reach the bot only when they @mention it. Users still sign in through the
web page the bot links to, not Teams SSO.

The message extension (`composeExtensions`, served by the same bot): a search command for the
compose box and the command box, and a link handler for the public host, so permalinks pasted
into any chat unfold into codemark cards (`bot/message_extension.py`).
`appPackage.messageExtension: false` leaves it out.
"""

from __future__ import annotations

from typing import Any, Final

from codestream.apppackage.settings import PackageSettings

MANIFEST_VERSION: Final = "1.30"
SCHEMA_URL: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
)
COLOR_ICON: Final = "color.png"
OUTLINE_ICON: Final = "outline.png"
BOT_SCOPES: Final = ("personal", "team", "groupChat")
RSC_PERMISSIONS: Final = ("ChannelMessage.Read.Group",)
"""Asked of a team's owner on install: receive the team's channel messages without @mentions."""

SEARCH_COMMAND: Final = "searchCodemarks"
"""The search command's id; the bot answers `composeExtension/query` invokes naming it."""
SEARCH_PARAMETER: Final = "query"


def compose_extension(app_id: str, host: str) -> dict[str, Any]:
    """The `composeExtensions` item: the codemark search and the permalinks' link handler."""
    return {
        "botId": app_id,
        "commands": [
            {
                "id": SEARCH_COMMAND,
                "type": "query",
                "title": "Search codemarks",
                "description": "Find codemarks by title, text, file path, repo or tag",
                "initialRun": True,
                "context": ["compose", "commandBox"],
                "parameters": [
                    {
                        "name": SEARCH_PARAMETER,
                        "title": "Search",
                        "description": "Words, a file path, a repo or a tag",
                        "inputType": "text",
                    }
                ],
            }
        ],
        "messageHandlers": [{"type": "link", "value": {"domains": [host]}}],
    }


#: The bot's advertised commands per scope: the original's lists plus `status`.
COMMANDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "personal": (
        ("help", "Get help using CodeStream"),
        ("signin", "Sign in to CodeStream"),
        ("signout", "Sign out from CodeStream"),
        ("status", "Show which CodeStream teams are connected"),
    ),
    "team": (
        ("help", "Get help using CodeStream"),
        ("connect", "Connect this channel to CodeStream"),
        ("disconnect", "Disconnect this channel from CodeStream"),
        ("status", "Show which CodeStream teams are connected"),
    ),
}


def build_manifest(
    app_id: str, host: str, settings: PackageSettings, version: str = "1.0.0"
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict.

    `app_id` and `host` must already be checked (see `validation.check_app_id` and `check_host`);
    the app id doubles as the bot id, as Teams expects for a single-bot app.
    """
    website_url, privacy_url, terms_url = settings.developer_urls(host)
    manifest: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": settings.developer_name,
            "websiteUrl": website_url,
            "privacyUrl": privacy_url,
            "termsOfUseUrl": terms_url,
        },
        "name": {"short": settings.name},
        "description": {
            "short": settings.short_description,
            "full": settings.full_description,
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": settings.accent_color,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(BOT_SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": [scope],
                        "commands": [
                            {"title": title, "description": description}
                            for title, description in commands
                        ],
                    }
                    for scope, commands in COMMANDS.items()
                ],
            }
        ],
        "validDomains": [host],
    }
    if settings.message_extension:
        manifest["composeExtensions"] = [compose_extension(app_id, host)]
    if settings.read_channel_messages:
        manifest["webApplicationInfo"] = {"id": app_id, "resource": f"https://{host}"}
        manifest["authorization"] = {
            "permissions": {
                "resourceSpecific": [
                    {"name": name, "type": "Application"} for name in RSC_PERMISSIONS
                ]
            }
        }
    return manifest
