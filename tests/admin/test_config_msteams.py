"""`codestream config msteams` and `config set --stdin`: the seed's "put the bot in the config"."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from admin.conftest import APP_ID, SECRET, TENANT_ID, Cs
from codestream.config import load_config, read_document
from support.filesystem import make_read_only_directory

BLOCK = ("integrations", "msteams", "microsoft.com")


def _block(path: Path) -> dict[str, object]:
    doc = read_document(path)
    return doc["integrations"]["msteams"]["microsoft.com"]  # type: ignore[no-any-return]


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".*.bak"))


def test_it_writes_the_bot_block_from_a_hidden_prompt(cs: Cs, configured: Path) -> None:
    result = cs(
        "config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
        "--password-expires", "2027-05-31", input=SECRET + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "********" in result.output
    assert _block(configured) == {
        "botAppId": APP_ID,
        "botAppTenantId": TENANT_ID,
        "botAppPassword": SECRET,
        "botAppPasswordExpiresAt": "2027-05-31",
    }
    assert stat.S_IMODE(configured.stat().st_mode) == 0o600
    assert len(_backups(configured)) == 1
    teams = load_config(configured).msteams
    assert teams is not None and teams.bot_app_id == APP_ID
    assert "codestream doctor" in result.output


def test_it_reads_the_secret_from_stdin_and_keeps_other_keys(cs: Cs, configured: Path) -> None:
    doc = read_document(configured)
    doc["integrations"] = {
        "msteams": {"microsoft.com": {"loginUrl": "http://127.0.0.1:9", "botAppPassword": "old"}}
    }
    configured.write_text(json.dumps(doc))
    result = cs(
        "config", "msteams", "--app-id", APP_ID.upper(), "--tenant-id", TENANT_ID,
        "--password-stdin", "--cloud", "gcchigh", input=SECRET + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    block = _block(configured)
    assert block["botAppPassword"] == SECRET
    assert block["botAppId"] == APP_ID  # GUIDs are stored lower-case
    assert block["cloud"] == "gcchigh"
    assert block["loginUrl"] == "http://127.0.0.1:9"


def test_enter_at_the_prompt_keeps_the_current_secret(cs: Cs, configured: Path) -> None:
    assert cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
              input=SECRET + "\n").exit_code == 0  # fmt: skip
    other_tenant = "99999999-8888-7777-6666-555555555555"
    result = cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", other_tenant, input="\n")
    assert result.exit_code == 0, result.output
    assert _block(configured)["botAppPassword"] == SECRET
    assert _block(configured)["botAppTenantId"] == other_tenant


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-id", "my-bot", "--tenant-id", TENANT_ID],
         '--app-id: expected a GUID like 0a1b2c3d-1111-2222-3333-444455556666'),
        (["--app-id", APP_ID, "--tenant-id", "contoso.onmicrosoft.com"],
         '--tenant-id: expected a GUID'),
        (["--app-id", APP_ID, "--tenant-id", TENANT_ID, "--cloud", "azure"],
         '--cloud: expected one of public, gcc, gcchigh, dod, got "azure"'),
        (["--app-id", APP_ID, "--tenant-id", TENANT_ID, "--password-expires", "next year"],
         '--password-expires: expected an ISO date like 2027-05-31'),
    ],
)  # fmt: skip
def test_it_refuses_bad_values_and_changes_nothing(
    cs: Cs, configured: Path, args: list[str], message: str
) -> None:
    before = configured.read_bytes()
    result = cs("config", "msteams", *args, input=SECRET + "\n")
    assert result.exit_code == 2
    assert message in result.output
    assert "my-bot" in result.output or "my-bot" not in args
    assert configured.read_bytes() == before
    assert _backups(configured) == []


def test_an_empty_secret_is_refused(cs: Cs, configured: Path) -> None:
    before = configured.read_bytes()
    result = cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
                "--password-stdin", input="")  # fmt: skip
    assert result.exit_code == 2
    assert "stdin was empty; nothing was changed" in result.output
    assert configured.read_bytes() == before


def test_a_corrupt_config_is_named_and_left_alone(cs: Cs, configured: Path) -> None:
    configured.write_text('{"apiServer": {\n  "port": 12079,,\n')
    before = configured.read_bytes()
    result = cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
                input=SECRET + "\n")  # fmt: skip
    assert result.exit_code == 2
    assert str(configured) in result.output
    assert ":2:17: not valid JSON" in result.output
    assert configured.read_bytes() == before


def test_it_says_how_to_create_a_missing_config(cs: Cs, cfg_file: Path) -> None:
    result = cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
                input=SECRET + "\n")  # fmt: skip
    assert result.exit_code == 2
    assert "codestream init --public-url" in result.output
    assert not cfg_file.exists()


def test_an_unwritable_home_is_explained_and_nothing_is_half_written(
    cs: Cs, configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = configured.read_bytes()
    with monkeypatch.context() as patch:
        make_read_only_directory(patch, configured.parent)  # as chmod 0500 does, even for root
        result = cs("config", "msteams", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
                    input=SECRET + "\n")  # fmt: skip
    assert result.exit_code == 2
    assert f"cannot write {configured}" in result.output
    assert "nothing was changed" in result.output
    assert configured.read_bytes() == before
    assert sorted(p.name for p in configured.parent.iterdir()) == [configured.name]


def test_config_set_stdin_reads_the_secret_without_argv(cs: Cs, configured: Path) -> None:
    key = "integrations.msteams.microsoft.com.botAppPassword"
    result = cs("config", "set", key, "--stdin", input="0123456789\n")
    assert result.exit_code == 0, result.output
    assert "0123456789" not in result.output
    assert _block(configured)["botAppPassword"] == "0123456789"  # digits stay a string


def test_config_set_refuses_a_value_and_stdin_together(cs: Cs, configured: Path) -> None:
    key = "integrations.msteams.microsoft.com.botAppPassword"
    result = cs("config", "set", key, "on-argv", "--stdin", input="x\n")
    assert result.exit_code == 2
    assert "give VALUE or --stdin, not both" in result.output
    assert "on-argv" not in result.output


def test_config_set_warns_about_a_secret_on_the_command_line(cs: Cs, configured: Path) -> None:
    result = cs("config", "set", "integrations.msteams.microsoft.com.botAppPassword", SECRET)
    assert result.exit_code == 0, result.output
    assert "shell history" in result.output
    assert SECRET not in result.output
