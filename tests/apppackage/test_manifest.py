"""The manifest: schema v1.30, ids, scopes, commands, domains, texts from settings."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import jsonschema_rs

from codestream.apppackage import (
    MANIFEST_VERSION,
    SCHEMA_URL,
    PackageSettings,
    build_manifest,
    manifest_problems,
    manifest_schema,
)

APP_ID = "11111111-2222-3333-4444-555555555555"
HOST = "codestream.example.com"
MICROSOFT_SCHEMA_SHA256 = "3339690aacd9049bc65ade66b258982803d8c6c6d3897a23f8a057b6ebe35479"
"""Microsoft's v1.30 manifest schema, as npm `@microsoft/app-manifest` 1.1.2 bundles it
(`build/json-schemas/teams/v1.30/MicrosoftTeams.schema.json`); the schema's README says the same."""


def manifest(settings: PackageSettings | None = None) -> dict[str, Any]:
    return build_manifest(APP_ID, HOST, settings or PackageSettings(), "1.0.0")


def test_it_validates_against_the_shipped_v1_30_schema() -> None:
    assert manifest_problems(manifest()) == []


def test_it_passes_a_second_independent_validator() -> None:
    validator = jsonschema_rs.Draft4Validator(dict(manifest_schema()))
    assert [error.message for error in validator.iter_errors(manifest())] == []


def test_it_ships_microsofts_schema_unchanged_and_validates_with_it() -> None:
    shipped = resources.files("codestream.apppackage").joinpath("schema/MicrosoftTeams.schema.json")
    raw = shipped.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == MICROSOFT_SCHEMA_SHA256
    assert manifest_schema() == json.loads(raw)
    assert manifest_schema()["properties"]["manifestVersion"]["const"] == MANIFEST_VERSION


def test_it_declares_schema_1_30() -> None:
    result = manifest()
    assert result["$schema"] == SCHEMA_URL
    assert "/v1.30/MicrosoftTeams.schema.json" in SCHEMA_URL
    assert result["manifestVersion"] == MANIFEST_VERSION == "1.30"


def test_it_uses_the_app_id_as_app_and_bot_id() -> None:
    result = manifest()
    assert result["id"] == APP_ID
    assert [bot["botId"] for bot in result["bots"]] == [APP_ID]


def test_it_allows_only_the_public_host() -> None:
    assert manifest()["validDomains"] == [HOST]


def test_it_asks_team_owners_to_let_the_bot_read_replies_without_a_mention() -> None:
    result = manifest()
    assert result["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]
    # RSC needs the app's Entra id here; the resource must be present (RSC doesn't use it).
    assert result["webApplicationInfo"] == {"id": APP_ID, "resource": f"https://{HOST}"}


def test_an_organisation_that_refuses_the_consent_gets_a_package_that_does_not_ask() -> None:
    result = manifest(PackageSettings(read_channel_messages=False))
    assert "authorization" not in result
    assert "webApplicationInfo" not in result
    assert manifest_problems(result) == []


def test_it_offers_the_bot_in_personal_team_and_group_chat() -> None:
    bot = manifest()["bots"][0]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False


def test_it_lists_the_original_commands_plus_status() -> None:
    lists = {
        tuple(entry["scopes"]): [command["title"] for command in entry["commands"]]
        for entry in manifest()["bots"][0]["commandLists"]
    }
    assert lists == {
        ("personal",): ["help", "signin", "signout", "status"],
        ("team",): ["help", "connect", "disconnect", "status"],
    }
    for entry in manifest()["bots"][0]["commandLists"]:
        assert all(command["description"] for command in entry["commands"])


def test_it_points_at_the_icons_at_the_zip_root() -> None:
    assert manifest()["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_it_has_sensible_defaults() -> None:
    result = manifest()
    assert result["name"]["short"] == "CodeStream"
    assert result["description"]["short"]
    assert result["description"]["full"]
    assert result["developer"]["name"]
    assert result["accentColor"] == "#009AEF"


def test_it_defaults_developer_urls_to_https_pages_on_the_host() -> None:
    developer = manifest()["developer"]
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith(f"https://{HOST}/")


def test_it_takes_names_texts_links_and_colour_from_settings() -> None:
    settings = PackageSettings(
        name="Acme Code",
        short_description="Acme's code talk",
        full_description="Long text",
        developer_name="Acme IT",
        website_url="https://acme.example/",
        privacy_url="https://acme.example/privacy",
        terms_of_use_url="https://acme.example/terms",
        accent_color="#123ABC",
    )
    result = manifest(settings)
    assert result["name"] == {"short": "Acme Code"}
    assert result["description"] == {"short": "Acme's code talk", "full": "Long text"}
    assert result["developer"] == {
        "name": "Acme IT",
        "websiteUrl": "https://acme.example/",
        "privacyUrl": "https://acme.example/privacy",
        "termsOfUseUrl": "https://acme.example/terms",
    }
    assert result["accentColor"] == "#123ABC"
    assert manifest_problems(result) == []


def test_it_reports_schema_breaks_with_their_location() -> None:
    broken = manifest()
    broken["bots"][0]["botId"] = "not-a-guid"
    del broken["developer"]
    problems = manifest_problems(broken)
    assert any("bots/0/botId" in problem for problem in problems)
    assert any("'developer' is a required property" in problem for problem in problems)


def test_it_declares_the_message_extension_with_the_public_hosts_links() -> None:
    result = manifest()
    (extension,) = result["composeExtensions"]
    assert extension["botId"] == APP_ID
    (search,) = extension["commands"]
    assert (search["id"], search["type"]) == ("searchCodemarks", "query")
    assert [p["name"] for p in search["parameters"]] == ["query"]
    assert extension["messageHandlers"] == [{"type": "link", "value": {"domains": [HOST]}}]
    assert manifest_problems(result) == []
    validator = jsonschema_rs.Draft4Validator(dict(manifest_schema()))
    assert [error.message for error in validator.iter_errors(result)] == []


def test_the_message_extension_can_be_left_out() -> None:
    result = manifest(PackageSettings(message_extension=False))
    assert "composeExtensions" not in result
    assert manifest_problems(result) == []
