"""Editing the config as a document: dotted keys, masking, fresh documents, safe writes."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from codestream.config import (
    ConfigError,
    get_value,
    masked,
    new_document,
    read_document,
    resolve_key,
    set_value,
    validate_document,
    write_document,
)

APP_ID = "11111111-2222-3333-4444-555555555555"


def teams_doc() -> dict[str, Any]:
    return {
        "apiServer": {"publicApiUrl": "https://cs.example.com"},
        "integrations": {"msteams": {"microsoft.com": {"botAppId": APP_ID, "custom": 1}}},
    }


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- dotted keys -------------------------------------------------------------------------------


def test_it_reads_a_key_whose_name_contains_a_dot() -> None:
    doc = teams_doc()
    assert get_value(doc, "integrations.msteams.microsoft.com.botAppId") == APP_ID
    assert resolve_key(doc, "integrations.msteams.microsoft.com.botAppId") == [
        "integrations",
        "msteams",
        "microsoft.com",
        "botAppId",
    ]


def test_it_prefers_the_longest_existing_key() -> None:
    doc = {"a": {"b": 1}, "a.b": 2}
    assert get_value(doc, "a.b") == 2


def test_it_indexes_lists_with_numbers() -> None:
    doc = {"hosts": ["a.example.com", "b.example.com"]}
    assert get_value(doc, "hosts.1") == "b.example.com"


def test_it_names_the_missing_key_and_the_keys_that_exist() -> None:
    with pytest.raises(ConfigError) as err:
        get_value(teams_doc(), "integrations.msteams.microsoft.com.botAppPassword")
    assert err.value.message == (
        "no such key: integrations.msteams.microsoft.com.botAppPassword "
        "(keys at integrations.msteams.microsoft.com: botAppId, custom)"
    )


@pytest.mark.parametrize("key", ["", ".a", "a.", "a..b"])
def test_it_rejects_malformed_key_paths(key: str) -> None:
    with pytest.raises(ConfigError, match="expected a key path like"):
        get_value(teams_doc(), key)


def test_it_creates_the_microsoft_com_block_as_one_key() -> None:
    doc: dict[str, Any] = {"apiServer": {"publicApiUrl": "https://cs.example.com"}}
    set_value(doc, "integrations.msteams.microsoft.com.botAppId", APP_ID)
    assert doc["integrations"] == {"msteams": {"microsoft.com": {"botAppId": APP_ID}}}


def test_it_creates_other_dotted_block_names_up_to_a_known_field() -> None:
    doc: dict[str, Any] = {}
    set_value(doc, "integrations.msteams.contoso.example.appPackage.name", "CS")
    assert doc == {"integrations": {"msteams": {"contoso.example": {"appPackage": {"name": "CS"}}}}}


def test_it_sets_into_an_existing_dotted_block_and_keeps_its_other_keys() -> None:
    doc = teams_doc()
    set_value(doc, "integrations.msteams.microsoft.com.cloud", "gcc")
    assert doc["integrations"]["msteams"]["microsoft.com"] == {
        "botAppId": APP_ID,
        "custom": 1,
        "cloud": "gcc",
    }


def test_it_replaces_a_null_with_an_object_when_setting_below_it() -> None:
    doc: dict[str, Any] = {"ssl": None}
    set_value(doc, "ssl.certfile", "/c.pem")
    assert doc == {"ssl": {"certfile": "/c.pem"}}


def test_it_refuses_to_set_below_a_plain_value() -> None:
    doc = {"apiServer": {"port": 443}}
    with pytest.raises(ConfigError, match=r"apiServer\.port is a number, not an object"):
        set_value(doc, "apiServer.port.x", 1)
    assert doc == {"apiServer": {"port": 443}}


def test_it_replaces_a_list_item_by_index() -> None:
    doc: dict[str, Any] = {"hosts": ["a", "b"]}
    set_value(doc, "hosts.1", "c")
    assert doc == {"hosts": ["a", "c"]}
    with pytest.raises(ConfigError, match="set the whole list instead"):
        set_value(doc, "hosts.5", "d")


# --- masking -----------------------------------------------------------------------------------


def test_it_masks_every_kind_of_secret_and_nothing_else() -> None:
    doc = {
        "apiServer": {"publicApiUrl": "https://cs.example.com", "signupTokenExpiration": 600000},
        "storage": {"postgres": {"url": "postgresql://cs:db-pass@db:5432/cs"}},
        "sharedSecrets": {"auth": "a" * 20, "cookie": "c" * 20, "mail": "m" * 20},
        "ssl": {"certfile": "/etc/cs/cert.pem", "keyfile": "/etc/cs/key.pem"},
        "broadcastEngine": {"codestreamBroadcaster": {"secrets": {"api": "x1", "auth": "x2"}}},
        "telemetry": {"segment": {"token": "t1", "webToken": "t2"}},
        "emailDeliveryService": {"sendgrid": {"apiKey": "k1"}},
        "integrations": {
            "msteams": {
                "microsoft.com": {
                    "botAppId": APP_ID,
                    "botAppPassword": "bot-pass",
                    "appClientSecret": "client-secret",
                    "tokenIssuer": "https://api.botframework.com",
                    "loginUrl": "",
                }
            }
        },
    }
    original = copy.deepcopy(doc)
    shown = masked(doc)
    assert doc == original, "masked() must not change its argument"
    text = json.dumps(shown)
    for secret in (
        "db-pass",
        "aaaa",
        "cccc",
        "mmmm",
        "x1",
        "x2",
        "t1",
        "t2",
        "k1",
        "bot-pass",
        "client-secret",
    ):
        assert f'"{secret}' not in text and f":{secret}@" not in text, secret
    assert shown["storage"]["postgres"]["url"] == "postgresql://cs:********@db:5432/cs"
    assert shown["ssl"] == {"certfile": "/etc/cs/cert.pem", "keyfile": "/etc/cs/key.pem"}
    block = shown["integrations"]["msteams"]["microsoft.com"]
    assert block["botAppId"] == APP_ID
    assert block["botAppPassword"] == "********"
    assert block["tokenIssuer"] == "https://api.botframework.com"
    assert shown["apiServer"]["signupTokenExpiration"] == 600000


# --- fresh documents ---------------------------------------------------------------------------


def test_it_makes_a_valid_fresh_document_with_random_secrets() -> None:
    first, second = new_document("https://cs.example.com/"), new_document("https://cs.example.com")
    assert validate_document(first) == []
    assert first["apiServer"]["publicApiUrl"] == "https://cs.example.com"
    assert first["storage"] == {"sqlite": {"path": "~/.codestream/data/codestream.db"}}
    assert len(first["sharedSecrets"]["auth"]) >= 32
    assert first["sharedSecrets"]["auth"] != first["sharedSecrets"]["cookie"]
    assert first["sharedSecrets"] != second["sharedSecrets"]


def test_it_refuses_a_fresh_document_for_a_bad_url() -> None:
    with pytest.raises(ConfigError, match=r'got "cs\.example\.com"'):
        new_document("cs.example.com")


# --- writing -----------------------------------------------------------------------------------


def test_it_writes_a_new_file_with_mode_600_in_a_new_directory_with_mode_700(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "cfg.json"
    assert write_document(path, {"a": 1}) is None
    assert read_document(path) == {"a": 1}
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_it_backs_up_the_old_file_before_rewriting_it(tmp_path: Path) -> None:
    path = tmp_path / "cfg.json"
    path.write_text('{"a": 1} // old\n')
    path.chmod(0o644)
    backup = write_document(path, {"a": 2})
    assert backup is not None
    assert backup.parent == tmp_path
    assert backup.name.startswith("cfg.json.") and backup.name.endswith(".bak")
    assert backup.read_text() == '{"a": 1} // old\n'
    assert mode(backup) == 0o600
    assert read_document(path) == {"a": 2}
    assert mode(path) == 0o600


def test_it_keeps_one_backup_per_write_even_within_a_second(tmp_path: Path) -> None:
    path = tmp_path / "cfg.json"
    write_document(path, {"n": 0})
    backups = {write_document(path, {"n": n}) for n in range(1, 6)}
    assert len(backups) == 5
    assert sorted(json.loads(b.read_text())["n"] for b in backups if b) == [0, 1, 2, 3, 4]


def test_it_leaves_the_old_file_alone_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cfg.json"
    path.write_text('{"a": 1}')

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="No space left on device; nothing was changed"):
        write_document(path, {"a": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.json"]
    assert path.read_text() == '{"a": 1}'


def test_it_explains_an_unwritable_location_and_creates_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"cannot write .*not-a-dir/cfg\.json"):
        write_document(blocker / "cfg.json", {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


def test_it_refuses_a_document_that_is_not_plain_json_before_touching_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cfg.json"
    path.write_text('{"a": 1}')
    with pytest.raises(ConfigError, match="not plain JSON"):
        write_document(path, {"a": object()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg.json"]


def test_it_rewrites_the_file_a_symlink_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real" / "cfg.json"
    real.parent.mkdir()
    real.write_text("{}")
    link = tmp_path / "cfg.json"
    link.symlink_to(real)
    write_document(link, {"a": 1})
    assert link.is_symlink()
    assert read_document(real) == {"a": 1}
