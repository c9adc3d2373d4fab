"""`codestream init` and `codestream config show|get|set|validate`, as a user runs them."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from codestream.config import read_document

Cli = Callable[..., Result]
WriteCfg = Callable[..., Path]
BLOCK = "integrations.msteams.microsoft.com"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- init --------------------------------------------------------------------------------------


def test_it_initializes_a_private_config_and_says_what_to_do_next(cli: Cli, cfg_file: Path) -> None:
    result = cli("init", "--public-url", "https://cs.example.com/")
    assert result.exit_code == 0, result.output
    assert f"Wrote a new config to {cfg_file} (mode 0600)." in result.stdout
    assert "https://cs.example.com/no-auth/provider-action/msteams" in result.stdout
    assert f"codestream config set {BLOCK}.botAppId <app id>" in result.stdout
    assert "codestream create-mst-app-package <app id> cs.example.com" in result.stdout
    assert mode(cfg_file) == 0o600
    assert mode(cfg_file.parent) == 0o700
    doc = read_document(cfg_file)
    assert doc["apiServer"]["publicApiUrl"] == "https://cs.example.com"
    assert doc["sharedSecrets"]["auth"] not in result.output


@pytest.mark.parametrize("url", ["cs.example.com", "ftp://cs.example.com", "https://x.com/cs"])
def test_it_refuses_to_initialize_with_a_bad_url_and_writes_nothing(
    cli: Cli, home: Path, url: str
) -> None:
    result = cli("init", "--public-url", url)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --public-url: expected an absolute http(s) URL")
    assert json.dumps(url) in result.stderr
    assert files_in(home) == []


def test_it_will_not_overwrite_a_config_without_force(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg('{"mine": true}')
    result = cli("init", "--public-url", "https://cs.example.com")
    assert result.exit_code == 2
    assert f"Error: {cfg_file} already exists; pass --force" in result.stderr
    assert cfg_file.read_text() == '{"mine": true}'
    assert files_in(cfg_file.parent) == [cfg_file.name]


def test_it_overwrites_with_force_and_keeps_a_backup(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg('{"mine": true}')
    result = cli("init", "--public-url", "https://cs.example.com", "--force")
    assert result.exit_code == 0, result.output
    (backup,) = [p for p in cfg_file.parent.iterdir() if p.name.endswith(".bak")]
    assert backup.read_text() == '{"mine": true}'
    assert f"The previous config is kept as {backup}." in result.stdout
    assert "sharedSecrets" in read_document(cfg_file)


def test_it_writes_where_config_or_the_environment_says(cli: Cli, tmp_path: Path) -> None:
    by_flag = tmp_path / "flag" / "cs.json"
    result = cli("--config", str(by_flag), "init", "--public-url", "https://cs.example.com")
    assert result.exit_code == 0, result.output
    assert by_flag.is_file()
    assert f"codestream --config {by_flag} config validate" in result.stdout
    by_env = tmp_path / "env" / "cs.json"
    result = cli(
        "init", "--public-url", "https://cs.example.com", env={"CSSVC_CFG_FILE": str(by_env)}
    )
    assert result.exit_code == 0, result.output
    assert by_env.is_file()


def test_it_explains_an_unwritable_location_and_leaves_nothing_behind(
    cli: Cli, tmp_path: Path
) -> None:
    place = tmp_path / "place"
    place.mkdir()
    blocker = place / "file"
    blocker.write_text("")
    target = blocker / "cs.json"
    result = cli("--config", str(target), "init", "--public-url", "https://cs.example.com")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot write {target}:")
    assert "nothing was changed" in result.stderr
    assert files_in(place) == ["file"]


# --- show --------------------------------------------------------------------------------------


def test_it_shows_the_config_with_secrets_masked(
    cli: Cli, write_cfg: WriteCfg, sample: Any
) -> None:
    write_cfg()
    result = cli("config", "show")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["sharedSecrets"] == {"auth": "********", "cookie": "********"}
    assert shown["integrations"]["msteams"]["microsoft.com"]["botAppPassword"] == "********"
    assert shown["integrations"]["msteams"]["microsoft.com"]["botAppId"] == sample.app_id
    for secret in (sample.bot_password, sample.auth_secret, sample.cookie_secret):
        assert secret not in result.output


def test_it_shows_the_resolved_config_with_overrides_masked_and_named(
    cli: Cli, write_cfg: WriteCfg, sample: Any
) -> None:
    doc = sample.doc()
    del doc["storage"]
    write_cfg(doc)
    env = {
        "CSSVC_MSTEAMS_BOT_APP_PASS": "from-the-env-secret",
        "CS_DATABASE_URL": "postgresql://cs:db-secret@db/cs",
    }
    result = cli("config", "show", "--resolved", env=env)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["storage"] == {"postgres": {"url": "postgresql://cs:********@db/cs"}}
    assert shown["apiServer"]["host"] == "127.0.0.1"
    assert shown["integrations"]["msteams"]["microsoft.com"]["cloud"] == "public"
    assert f"# {BLOCK}.botAppPassword comes from $CSSVC_MSTEAMS_BOT_APP_PASS" in result.stderr
    assert "from-the-env-secret" not in result.output
    assert "db-secret" not in result.output


def test_it_reports_a_corrupt_config_with_line_and_column(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg('{\n  "apiServer": {,\n}')
    for args in (("config", "show"), ("config", "validate"), ("config", "get", "apiServer")):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"Error: {cfg_file}:2:17: not valid JSON"), args


def test_it_tells_how_to_create_a_missing_config(cli: Cli, cfg_file: Path) -> None:
    result = cli("config", "show")
    assert result.exit_code == 2
    assert f"Error: {cfg_file}: no config file there" in result.stderr
    assert "codestream init --public-url" in result.stderr


# --- get ---------------------------------------------------------------------------------------


def test_it_gets_a_value_by_dotted_key(cli: Cli, write_cfg: WriteCfg, sample: Any) -> None:
    write_cfg()
    result = cli("config", "get", f"{BLOCK}.botAppId")
    assert (result.exit_code, result.stdout) == (0, f"{sample.app_id}\n")
    result = cli("config", "get", "apiServer.port")
    assert (result.exit_code, result.stdout) == (0, "12079\n")


def test_it_prints_a_secret_only_with_reveal(cli: Cli, write_cfg: WriteCfg, sample: Any) -> None:
    write_cfg()
    result = cli("config", "get", f"{BLOCK}.botAppPassword")
    assert (result.exit_code, result.stdout) == (0, "********\n")
    assert "--reveal" in result.stderr
    result = cli("config", "get", "sharedSecrets")
    assert sample.auth_secret not in result.output
    result = cli("config", "get", f"{BLOCK}.botAppPassword", "--reveal")
    assert (result.exit_code, result.stdout) == (0, f"{sample.bot_password}\n")


def test_it_names_a_missing_key_and_what_exists(cli: Cli, write_cfg: WriteCfg) -> None:
    write_cfg()
    result = cli("config", "get", "apiServer.prot")
    assert result.exit_code == 2
    assert "Error: no such key: apiServer.prot (keys at apiServer: port, publicApiUrl)" in (
        result.stderr
    )


def test_it_gets_the_resolved_value_from_the_environment(cli: Cli, write_cfg: WriteCfg) -> None:
    write_cfg()
    other = "99999999-8888-7777-6666-555555555555"
    result = cli(
        "config", "get", "--resolved", f"{BLOCK}.botAppId",
        env={"CSSVC_MSTEAMS_BOT_APP_ID": other},
    )  # fmt: skip
    assert result.stdout == f"{other}\n"


# --- set ---------------------------------------------------------------------------------------


def test_it_sets_values_as_json_or_strings_and_keeps_everything_else(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    doc = read_document(write_cfg())
    doc["legacy"] = {"mongo": {"url": "mongodb://h/cs"}}
    write_cfg(doc)
    assert cli("config", "set", "apiServer.port", "8443").exit_code == 0
    assert cli("config", "set", "apiServer.host", "0.0.0.0").exit_code == 0
    assert cli("config", "set", f"{BLOCK}.disabled", "false").exit_code == 0
    assert cli("config", "set", "custom.note", "42", "--string").exit_code == 0
    result = cli("config", "set", f"{BLOCK}.serviceUrlAllowList", '["smba.trafficmanager.net"]')
    assert result.exit_code == 0, result.output
    after = read_document(cfg_file)
    assert after["apiServer"]["port"] == 8443
    assert after["apiServer"]["host"] == "0.0.0.0"
    assert after["integrations"]["msteams"]["microsoft.com"]["disabled"] is False
    assert after["integrations"]["msteams"]["microsoft.com"]["serviceUrlAllowList"] == [
        "smba.trafficmanager.net"
    ]
    assert after["custom"] == {"note": "42"}
    assert after["legacy"] == {"mongo": {"url": "mongodb://h/cs"}}
    assert mode(cfg_file) == 0o600


def test_it_backs_up_before_set_and_warns_that_comments_are_dropped(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any
) -> None:
    original = "// my notes\n" + json.dumps(sample.doc(), indent=2)
    write_cfg(original)
    result = cli("config", "set", "apiServer.port", "8443")
    assert result.exit_code == 0, result.output
    (backup,) = [p for p in cfg_file.parent.iterdir() if p.name.endswith(".bak")]
    assert backup.read_text() == original
    assert mode(backup) == 0o600
    assert f"Backup of the previous file: {backup}" in result.stdout
    assert "comments" in result.stderr and "not kept" in result.stderr


def test_it_creates_the_teams_block_from_dotted_keys(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any
) -> None:
    doc = sample.doc()
    del doc["integrations"]
    write_cfg(doc)
    result = cli("config", "set", f"{BLOCK}.botAppId", sample.app_id)
    assert result.exit_code == 0, result.output
    assert read_document(cfg_file)["integrations"] == {
        "msteams": {"microsoft.com": {"botAppId": sample.app_id}}
    }


def test_it_refuses_a_value_that_would_make_the_config_invalid(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    path = write_cfg()
    before = path.read_bytes()
    cases = [
        ((f"{BLOCK}.botAppId", "abc"), f'{BLOCK}.botAppId: expected a GUID, got "abc"'),
        (("apiServer.port", "70000"), "apiServer.port: expected a whole number from 1 to 65535"),
        (("apiServer.port", "70000", "--string"), 'got "70000"'),
        (("storage.postgres.url", "postgresql://db/cs"), "got both"),
        (("apiServer.port.x", "1"), "apiServer.port is a number, not an object"),
    ]
    for args, expected in cases:
        result = cli("config", "set", *args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("Error: "), args
        assert expected in result.stderr, (args, result.stderr)
        assert path.read_bytes() == before
        assert files_in(cfg_file.parent) == [cfg_file.name]


def test_it_never_prints_the_secret_it_sets_or_refuses(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg()
    result = cli("config", "set", f"{BLOCK}.botAppPassword", "new-Secret-value")
    assert result.exit_code == 0, result.output
    assert f'Set {BLOCK}.botAppPassword = "********"' in result.stdout
    assert "new-Secret-value" not in result.output
    result = cli("config", "set", "sharedSecrets.auth", "short-Secret")
    assert result.exit_code == 2
    assert "got a string of 12 characters" in result.stderr
    assert "short-Secret" not in result.output


def test_it_reads_a_secret_from_stdin_and_keeps_digits_as_a_string(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg()
    result = cli("config", "set", f"{BLOCK}.botAppPassword", input="0123456789\n")
    assert result.exit_code == 0, result.output
    assert (
        read_document(cfg_file)["integrations"]["msteams"]["microsoft.com"]["botAppPassword"]
        == "0123456789"
    )
    assert "0123456789" not in result.output


def test_it_lets_a_broken_config_be_fixed_one_key_at_a_time(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any
) -> None:
    doc = sample.doc()
    doc["apiServer"]["port"] = 0
    doc["integrations"]["msteams"]["microsoft.com"]["cloud"] = "mars"
    write_cfg(doc)
    result = cli("config", "set", "apiServer.port", "443")
    assert result.exit_code == 0, result.output
    assert "still has 1 problem(s)" in result.stderr
    assert f'{BLOCK}.cloud: expected one of "public"' in result.stderr
    assert read_document(cfg_file)["apiServer"]["port"] == 443


def test_it_says_in_the_help_that_comments_are_not_kept(cli: Cli) -> None:
    result = cli("config", "set", "--help")
    assert result.exit_code == 0
    assert "comments" in result.stdout
    assert "backup" in result.stdout


# --- validate ----------------------------------------------------------------------------------


def test_it_validates_a_good_config(cli: Cli, write_cfg: WriteCfg, cfg_file: Path) -> None:
    write_cfg()
    result = cli("config", "validate")
    assert (result.exit_code, result.stdout) == (0, f"OK: {cfg_file}\n")
    assert result.stderr == ""


def test_it_lists_every_problem_of_a_bad_config(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any
) -> None:
    doc = sample.doc()
    doc["apiServer"]["publicApiUrl"] = "https://cs.example.com/api"
    doc["sharedSecrets"]["auth"] = "x"
    write_cfg(doc)
    result = cli("config", "validate", env={"CSSVC_MSTEAMS_BOT_APP_ID": "abc"})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {cfg_file} is not valid (3 problem(s)):")
    assert "  - apiServer.publicApiUrl: expected an absolute http(s) URL" in result.stderr
    assert "  - sharedSecrets.auth: expected a string of at least 16 characters" in result.stderr
    assert f'  - {BLOCK}.botAppId: expected a GUID, got "abc" (from $CSSVC_MSTEAMS_BOT_APP_ID)' in (
        result.stderr
    )


def test_it_checks_that_the_ssl_files_exist(
    cli: Cli, write_cfg: WriteCfg, sample: Any, tmp_path: Path
) -> None:
    doc = sample.doc()
    doc["ssl"] = {"certfile": str(tmp_path / "cert.pem"), "keyfile": str(tmp_path / "key.pem")}
    (tmp_path / "cert.pem").write_text("x")
    write_cfg(doc)
    result = cli("config", "validate")
    assert result.exit_code == 2
    assert f'ssl.keyfile: expected an existing file, got "{tmp_path}/key.pem"' in result.stderr


def test_it_warns_when_others_can_read_the_secrets(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg().chmod(0o644)
    result = cli("config", "validate")
    assert result.exit_code == 0
    assert "Warning:" in result.stderr and "chmod 600" in result.stderr


def test_it_works_through_the_real_command_line(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "cs.json"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codestream", "--config", str(path), *args],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip

    made = run("init", "--public-url", "https://cs.example.com")
    assert made.returncode == 0, made.stderr
    bad = run("config", "set", "apiServer.port", "0")
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"Error: {path} not changed: setting apiServer.port")
    assert oct(mode(path)) == oct(0o600)
