"""Loading the effective config: paths, defaults, environment overrides, typed values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codestream.config import (
    DEFAULT_CONFIG_PATH,
    ConfigError,
    ConfigInvalid,
    Secret,
    config_from_document,
    config_path,
    load_config,
)

BLOCK = "integrations.msteams.microsoft.com"
OTHER_ID = "99999999-8888-7777-6666-555555555555"


def test_it_finds_the_config_by_flag_then_environment_then_default(home: Path) -> None:
    assert config_path(environ={"HOME": str(home)}) == (
        home / ".codestream" / "codestream-services-config.json"
    )
    env = {"HOME": str(home), "CSSVC_CFG_FILE": "/etc/cs.json"}
    assert config_path(environ=env) == Path("/etc/cs.json")
    assert config_path(Path("~/mine.json"), environ=env) == home / "mine.json"
    assert config_path(environ={"HOME": str(home), "CSSVC_CFG_FILE": ""}) == config_path(
        environ={"HOME": str(home)}
    )


def test_it_expands_the_default_path_at_call_time(home: Path) -> None:
    assert str(DEFAULT_CONFIG_PATH).startswith("~")
    assert config_path() == home / ".codestream" / "codestream-services-config.json"


def test_it_loads_a_config_with_defaults_filled_in(
    home: Path, write_cfg: Callable[..., Path], sample: Any
) -> None:
    doc = sample.doc()
    doc["apiServer"] = {"publicApiUrl": "https://cs.example.com/"}
    del doc["storage"]
    path = write_cfg(doc)
    config = load_config()
    assert config.source == path
    assert config.public_api_url == "https://cs.example.com"
    assert (config.api_host, config.api_port) == ("127.0.0.1", 12079)
    assert config.database_url == f"sqlite:///{home}/.codestream/data/codestream.db"
    assert config.auth_secret == Secret(sample.auth_secret)
    assert config.cookie_secret.reveal() == sample.cookie_secret
    assert config.ssl_certfile is None and config.ssl_keyfile is None


def test_it_reads_the_teams_block(write_cfg: Callable[..., Path], sample: Any) -> None:
    doc = sample.doc()
    doc["integrations"]["msteams"]["microsoft.com"].update(
        cloud="gcchigh",
        serviceUrlAllowList=["SMBA.infra.gov.teams.microsoft.us"],
        appPackage={"name": "CodeStream"},
    )
    write_cfg(doc)
    teams = load_config().msteams
    assert teams is not None
    assert teams.block_name == "microsoft.com"
    assert teams.bot_app_id == sample.app_id
    assert teams.bot_app_password == Secret(sample.bot_password)
    assert teams.bot_app_tenant_id == sample.tenant_id
    assert teams.cloud == "gcchigh"
    assert teams.service_url_allow_list == ("smba.infra.gov.teams.microsoft.us",)
    assert teams.app_package == {"name": "CodeStream"}
    assert teams.disabled is False


def test_it_uses_the_first_block_that_is_not_disabled(sample: Any) -> None:
    doc = sample.doc()
    doc["integrations"]["msteams"] = {
        "old": {"botAppId": OTHER_ID, "disabled": True},
        "cloud": {"botAppId": sample.app_id},
    }
    config = config_from_document(doc, environ={})
    assert config.msteams is not None
    assert (config.msteams.block_name, config.msteams.bot_app_id) == ("cloud", sample.app_id)
    assert config.msteams.bot_app_tenant_id is None  # legacy multi-tenant
    assert config.msteams.cloud == "public"


def test_it_has_no_teams_config_when_every_block_is_disabled(sample: Any) -> None:
    doc = sample.doc()
    doc["integrations"]["msteams"]["microsoft.com"]["disabled"] = True
    assert config_from_document(doc, environ={}).msteams is None
    del doc["integrations"]
    assert config_from_document(doc, environ={}).msteams is None


def test_it_takes_the_bot_settings_from_the_environment(sample: Any) -> None:
    doc = sample.doc()
    del doc["integrations"]
    env = {
        "CSSVC_MSTEAMS_BOT_APP_ID": OTHER_ID,
        "CSSVC_MSTEAMS_BOT_APP_PASS": "from-env-secret",
        "CSSVC_MSTEAMS_BOT_TENANT_ID": sample.tenant_id,
    }
    config = config_from_document(doc, environ=env)
    assert config.msteams is not None
    assert config.msteams.block_name == "microsoft.com"
    assert config.msteams.bot_app_id == OTHER_ID
    assert config.msteams.bot_app_password == Secret("from-env-secret")
    assert config.msteams.bot_app_tenant_id == sample.tenant_id
    assert config.document[BLOCK.split(".")[0]]["msteams"]["microsoft.com"]["botAppId"] == OTHER_ID
    assert "integrations" not in doc, "the caller's document is not changed"


def test_it_applies_bot_overrides_to_the_first_enabled_block_of_any_name(sample: Any) -> None:
    doc = sample.doc()
    doc["integrations"]["msteams"] = {
        "off": {"disabled": True},
        "contoso": {"botAppId": sample.app_id, "botAppPassword": "file-secret"},
    }
    config = config_from_document(doc, environ={"CSSVC_MSTEAMS_BOT_APP_PASS": "env-secret"})
    assert config.msteams is not None
    assert config.msteams.block_name == "contoso"
    assert config.msteams.bot_app_password == Secret("env-secret")


def test_it_ignores_empty_environment_variables(sample: Any) -> None:
    env = {"CSSVC_MSTEAMS_BOT_APP_ID": "", "CS_DATABASE_URL": ""}
    config = config_from_document(sample.doc(), environ=env)
    assert config.msteams is not None and config.msteams.bot_app_id == sample.app_id
    assert config.database_url.startswith("sqlite:///")


def test_it_names_the_environment_variable_behind_a_bad_value(sample: Any) -> None:
    with pytest.raises(ConfigInvalid) as err:
        config_from_document(sample.doc(), environ={"CSSVC_MSTEAMS_BOT_TENANT_ID": "contoso"})
    assert err.value.problems == (
        f'{BLOCK}.botAppTenantId: expected a GUID, got "contoso" '
        "(from $CSSVC_MSTEAMS_BOT_TENANT_ID)",
    )


def test_it_lets_the_database_url_from_the_environment_win(sample: Any) -> None:
    doc = sample.doc()
    doc["storage"] = {"postgres": {"url": "postgresql://file@db/cs"}}
    config = config_from_document(doc, environ={"CS_DATABASE_URL": "postgres://env:pw@db/cs"})
    assert config.database_url == "postgresql://env:pw@db/cs"
    assert config.document["storage"] == {"postgres": {"url": "postgres://env:pw@db/cs"}}
    config = config_from_document(doc, environ={"CS_DATABASE_URL": "sqlite:////tmp/x.db"})
    assert config.database_url == "sqlite:////tmp/x.db"


def test_it_rejects_a_bad_database_url_from_the_environment_without_its_password(
    sample: Any,
) -> None:
    with pytest.raises(ConfigInvalid) as err:
        config_from_document(sample.doc(), environ={"CS_DATABASE_URL": "mysql://u:pw123@db/cs"})
    (problem,) = err.value.problems
    assert problem.startswith("$CS_DATABASE_URL: expected a URL starting with postgresql://")
    assert "pw123" not in str(err.value)


def test_it_reads_relative_paths_relative_to_the_config_file(
    write_cfg: Callable[..., Path], sample: Any, tmp_path: Path
) -> None:
    doc = sample.doc()
    doc["storage"] = {"sqlite": {"path": "data/cs.db"}}
    doc["ssl"] = {"certfile": "tls/cert.pem", "keyfile": "/etc/key.pem"}
    path = write_cfg(doc, path=tmp_path / "etc" / "cs.json")
    config = load_config(path)
    assert config.database_url == f"sqlite:///{tmp_path}/etc/data/cs.db"
    assert config.ssl_certfile == tmp_path / "etc" / "tls" / "cert.pem"
    assert config.ssl_keyfile == Path("/etc/key.pem")


def test_it_lists_every_problem_and_no_secret_when_the_config_is_invalid(
    write_cfg: Callable[..., Path], sample: Any
) -> None:
    doc = sample.doc()
    doc["apiServer"]["port"] = "http"
    doc["sharedSecrets"]["cookie"] = "short-cookie"
    doc["integrations"]["msteams"]["microsoft.com"]["botAppId"] = "abc"
    path = write_cfg(doc)
    with pytest.raises(ConfigError) as err:
        load_config()
    message = err.value.message
    assert message.startswith(f"{path} is not valid (3 problem(s)):")
    assert 'apiServer.port: expected a whole number from 1 to 65535, got "http"' in message
    assert f'{BLOCK}.botAppId: expected a GUID, got "abc"' in message
    assert "sharedSecrets.cookie" in message
    assert "short-cookie" not in message


def test_it_keeps_secrets_out_of_the_config_repr(sample: Any) -> None:
    doc = sample.doc()
    doc["storage"] = {"postgres": {"url": "postgresql://cs:db-password@db/cs"}}
    text = repr(config_from_document(doc, environ={}))
    for secret in (sample.bot_password, sample.auth_secret, sample.cookie_secret, "db-password"):
        assert secret not in text
    assert "postgresql://cs:********@db/cs" in text


def test_it_reports_a_corrupt_file_with_its_position(write_cfg: Callable[..., Path]) -> None:
    path = write_cfg('{\n  "apiServer": {\n    "publicApiUrl": https://x\n  }\n}')
    with pytest.raises(ConfigError, match=rf"^{path}:3:21: not valid JSON"):
        load_config()


def test_it_loads_a_file_full_of_the_original_products_keys(
    write_cfg: Callable[..., Path], sample: Any
) -> None:
    doc = sample.doc()
    doc["apiServer"].update(securePort=12078, callbackEnvironment="onprem", mockMode=False)
    doc["queuingEngine"] = {"rabbitmq": {"host": "h", "password": "p"}}
    doc["sharedSecrets"]["telemetry"] = "x"
    text = "// from the old install\n" + json.dumps(doc, indent=2).replace("}\n}", "},\n}")
    write_cfg(text)
    assert load_config().document["queuingEngine"] == {"rabbitmq": {"host": "h", "password": "p"}}
