"""Validation names the key path and what was expected, lists every problem, echoes no secret."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codestream.config import validate_document

BLOCK = "integrations.msteams.microsoft.com"
APP_ID = "11111111-2222-3333-4444-555555555555"
AUTH_SECRET = "auth-secret-0123456789abcdef"
BOT_PASSWORD = "bot-password-Sup3rSecret"


def valid_doc() -> dict[str, Any]:
    return {
        "apiServer": {"publicApiUrl": "https://cs.example.com", "port": 12079},
        "storage": {"sqlite": {"path": "~/.codestream/data/codestream.db"}},
        "sharedSecrets": {"auth": AUTH_SECRET, "cookie": AUTH_SECRET},
        "integrations": {
            "msteams": {
                "microsoft.com": {
                    "botAppId": APP_ID,
                    "botAppPassword": BOT_PASSWORD,
                    "botAppTenantId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                }
            }
        },
    }


def with_(changes: dict[str, Any]) -> dict[str, Any]:
    """valid_doc() with dotted-path changes applied (None deletes)."""
    doc = valid_doc()
    for path, value in changes.items():
        *parents, last = path.split("|")
        node = doc
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return doc


def block(**fields: Any) -> dict[str, Any]:
    doc = valid_doc()
    doc["integrations"]["msteams"]["microsoft.com"].update(fields)
    return doc


def test_it_accepts_a_complete_valid_config() -> None:
    assert validate_document(valid_doc()) == []


def test_it_accepts_the_minimal_config_that_init_writes() -> None:
    doc = {
        "apiServer": {"publicApiUrl": "https://cs.example.com"},
        "sharedSecrets": {"auth": AUTH_SECRET, "cookie": AUTH_SECRET},
    }
    assert validate_document(doc) == []


def test_it_says_exactly_which_key_is_wrong_and_what_it_expected() -> None:
    assert validate_document(block(botAppId="abc")) == [
        f'{BLOCK}.botAppId: expected a GUID, got "abc"'
    ]


def test_it_lists_every_problem_at_once() -> None:
    doc = block(botAppId="abc", botAppTenantId="def", cloud="mars")
    doc["apiServer"]["port"] = 0
    problems = validate_document(doc)
    assert [p.split(":")[0] for p in problems] == [
        "apiServer.port",
        f"{BLOCK}.botAppId",
        f"{BLOCK}.botAppTenantId",
        f"{BLOCK}.cloud",
    ]


def test_it_ignores_and_keeps_keys_it_does_not_know() -> None:
    doc = valid_doc()
    doc["broadcastEngine"] = {"codestreamBroadcaster": {"port": 12443}}
    doc["apiServer"]["securePort"] = 12078
    doc["integrations"]["slack"] = {"cloud": {"appId": "x"}}
    before = copy.deepcopy(doc)
    assert validate_document(doc) == []
    assert doc == before


@pytest.mark.parametrize(
    "url",
    ["https://cs.example.com", "https://cs.example.com/", "http://127.0.0.1:8080", "https://[::1]"],
)
def test_it_accepts_a_public_url_of_scheme_host_and_port(url: str) -> None:
    assert validate_document(with_({"apiServer|publicApiUrl": url})) == []


@pytest.mark.parametrize(
    "url",
    [
        "cs.example.com",
        "ftp://cs.example.com",
        "https://",
        "https://cs.example.com/codestream",
        "https://cs.example.com?x=1",
        "https://cs.example.com#top",
        " https://cs.example.com",
        "https://cs.example.com:99999",
        "https://bad_host!.com",
        42,
    ],
)
def test_it_rejects_a_public_url_with_anything_more_or_less(url: Any) -> None:
    problems = validate_document(with_({"apiServer|publicApiUrl": url}))
    assert len(problems) == 1
    assert problems[0].startswith("apiServer.publicApiUrl: expected an absolute http(s) URL")


def test_it_never_shows_a_password_inside_a_public_url() -> None:
    problems = validate_document(with_({"apiServer|publicApiUrl": "https://u:pa55w0rd@x.com"}))
    assert len(problems) == 1
    assert "pa55w0rd" not in problems[0]


def test_it_requires_the_public_url() -> None:
    problems = validate_document(with_({"apiServer|publicApiUrl": None}))
    assert problems == [
        "apiServer.publicApiUrl: expected an absolute http(s) URL with only a scheme, a host and "
        'an optional port, like "https://codestream.example.com", got nothing'
    ]


@pytest.mark.parametrize("port", [0, 65536, -1, "443", True, 80.5])
def test_it_rejects_a_port_outside_1_to_65535(port: Any) -> None:
    problems = validate_document(with_({"apiServer|port": port}))
    assert len(problems) == 1
    assert problems[0].startswith("apiServer.port: expected a whole number from 1 to 65535")


def test_it_wants_exactly_one_storage() -> None:
    both = with_({"storage|postgres": {"url": "postgresql://db/cs"}})
    assert validate_document(both) == [
        'storage: expected exactly one of "sqlite" or "postgres", got both'
    ]
    mongo = with_({"storage": {"mongo": {"url": "mongodb://h/cs"}}})
    assert validate_document(mongo) == [
        'storage: expected exactly one of "sqlite" or "postgres", got "mongo" '
        "(MongoDB is not supported)"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://cs@db:5432/codestream",
        "postgres://cs:pw@db/codestream",
        "postgresql+psycopg://cs@db/codestream",
        "postgresql:///codestream",
    ],
)
def test_it_accepts_postgres_urls(url: str) -> None:
    assert validate_document(with_({"storage": {"postgres": {"url": url}}})) == []


def test_it_rejects_a_postgres_url_without_echoing_its_password() -> None:
    doc = with_({"storage": {"postgres": {"url": "mysql://cs:topsecret@db/cs"}}})
    (problem,) = validate_document(doc)
    assert problem.startswith("storage.postgres.url: expected a URL starting with postgresql://")
    assert "topsecret" not in problem
    assert '"mysql://cs:********@db/cs"' in problem


def test_it_requires_shared_secrets_of_16_characters_without_echoing_them() -> None:
    doc = with_({"sharedSecrets|auth": "tooshort", "sharedSecrets|cookie": None})
    assert validate_document(doc) == [
        "sharedSecrets.auth: expected a string of at least 16 characters, "
        "got a string of 8 characters",
        "sharedSecrets.cookie: expected a string of at least 16 characters, got nothing",
    ]


def test_it_does_not_echo_a_secret_of_the_wrong_type() -> None:
    (problem,) = validate_document(with_({"sharedSecrets|auth": 12345678901234567890}))
    assert "12345678901234567890" not in problem
    assert problem.endswith("got a number")


def test_it_wants_both_ssl_files_or_neither() -> None:
    assert validate_document(with_({"ssl": {"certfile": "/etc/cs/cert.pem"}})) == [
        "ssl: expected both certfile and keyfile, or neither, got only certfile"
    ]
    both = with_({"ssl": {"certfile": "/c.pem", "keyfile": "/k.pem"}})
    assert validate_document(both) == []


def test_it_checks_every_field_of_a_teams_block() -> None:
    doc = block(
        cloud="GCC High",
        botAppPassword="",
        openIdMetadataUrl="not a url",
        tokenIssuer="https://api.botframework.com",
        loginUrl="http://127.0.0.1:9000",
        serviceUrlAllowList=[
            "smba.trafficmanager.net",
            "*.trafficmanager.net",
            "https://x.com/path",
            "http://example.com:3978",
            "https://teams.example.com:8443",
        ],
        disabled="no",
    )
    assert validate_document(doc) == [
        f"{BLOCK}.botAppPassword: expected a non-empty string, got an empty string",
        f'{BLOCK}.cloud: expected one of "public", "gcc", "gcchigh", "dod", got "GCC High"',
        f'{BLOCK}.openIdMetadataUrl: expected an absolute http(s) URL, got "not a url"',
        f"{BLOCK}.serviceUrlAllowList.1: expected an exact host name (wildcards are not "
        'allowed), got "*.trafficmanager.net"',
        f"{BLOCK}.serviceUrlAllowList.2: expected a bare host name (https on port 443) or an "
        'origin like "https://host:port", without path (http only for 127.0.0.1, localhost or '
        '::1), got "https://x.com/path"',
        f"{BLOCK}.serviceUrlAllowList.3: expected a bare host name (https on port 443) or an "
        'origin like "https://host:port", without path (http only for 127.0.0.1, localhost or '
        '::1), got "http://example.com:3978"',
        f'{BLOCK}.disabled: expected true or false, got "no"',
    ]


def test_it_never_echoes_a_bot_password_of_the_wrong_type() -> None:
    (problem,) = validate_document(block(botAppPassword=["hunter2"]))
    assert problem == f"{BLOCK}.botAppPassword: expected a non-empty string, got a list"
    assert BOT_PASSWORD not in str(validate_document(block(botAppId=1)))


def test_it_accepts_blocks_with_any_name_and_checks_each() -> None:
    doc = valid_doc()
    doc["integrations"]["msteams"]["contoso"] = {"botAppId": "nope", "disabled": True}
    assert validate_document(doc) == [
        'integrations.msteams.contoso.botAppId: expected a GUID, got "nope"'
    ]


def test_it_accepts_a_partly_filled_block_so_settings_can_be_added_one_by_one() -> None:
    doc = valid_doc()
    doc["integrations"]["msteams"]["microsoft.com"] = {"botAppId": APP_ID}
    assert validate_document(doc) == []


def test_it_checks_the_app_package_details() -> None:
    doc = block(
        appPackage={
            "name": "CodeStream",
            "websiteUrl": "http://example.com",
            "privacyUrl": "https://example.com/privacy",
            "accentColor": "blue",
            "readChannelMessages": "yes",
        }
    )
    assert validate_document(doc) == [
        f'{BLOCK}.appPackage.websiteUrl: expected an absolute https URL, got "http://example.com"',
        f'{BLOCK}.appPackage.accentColor: expected a color like "#FFFFFF", got "blue"',
        f'{BLOCK}.appPackage.readChannelMessages: expected true or false, got "yes"',
    ]


def test_it_reports_wrong_kinds_of_sections() -> None:
    doc = valid_doc()
    doc["apiServer"] = []
    doc["integrations"] = {"msteams": {"microsoft.com": "x"}}
    assert validate_document(doc) == [
        "apiServer: expected an object, got a list",
        'integrations.msteams.microsoft.com: expected an object, got "x"',
    ]


def test_it_treats_null_as_absent_for_optional_keys() -> None:
    doc = block(cloud=None, openIdMetadataUrl=None, serviceUrlAllowList=None, disabled=None)
    doc["ssl"] = None
    assert validate_document(doc) == []


def test_it_checks_the_delivery_block_with_the_others() -> None:
    doc = with_({"delivery": {"inProcessWorker": 1, "deadlineHours": -1}})
    doc["apiServer"]["port"] = 0
    assert validate_document(doc) == [
        "apiServer.port: expected a whole number from 1 to 65535, got 0",
        "delivery.inProcessWorker: expected true or false, got 1",
        "delivery.deadlineHours: expected a number of hours more than 0 and at most 720 "
        "(30 days), got -1",
    ]
    assert validate_document(with_({"delivery": {"deadlineHours": 720, "other": "kept"}})) == []


def test_allowed_tenants_must_be_tenant_guids() -> None:
    assert validate_document(block(allowedTenants=None)) == []
    assert validate_document(block(allowedTenants=["72f988bf-86f1-41af-91ab-2d7cd011db47"])) == []
    assert validate_document(block(allowedTenants=["contoso.onmicrosoft.com", 7])) == [
        f'{BLOCK}.allowedTenants.0: expected a GUID, got "contoso.onmicrosoft.com"',
        f"{BLOCK}.allowedTenants.1: expected a GUID, got 7",
    ]
    (empty,) = validate_document(block(allowedTenants=[]))
    assert empty.startswith(f"{BLOCK}.allowedTenants: expected a non-empty list of tenant ids")
