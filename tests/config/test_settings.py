"""The settings table: the one list of config keys that validation, defaults and the docs share."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from codestream.apppackage.settings import CONFIG_KEYS, PackageSettings
from codestream.config import (
    SETTINGS,
    is_secret_path,
    read_document,
    validate_document,
    value_of,
)
from codestream.config.reference import REFERENCE_PAGE, render_reference
from codestream.config.settings import BLOCK
from codestream.delivery.settings import DeliverySettings
from codestream.errors import ConfigError

Cli = Callable[..., Result]
WriteCfg = Callable[..., Path]
ROOT = Path(__file__).resolve().parents[2]
ADMIN_DOCS = sorted((ROOT / "docs" / "admin").glob("*.md"))
SECTIONS = {s.path.split(".")[0] for s in SETTINGS}
BLOCK_NAME = "integrations.msteams.microsoft.com"
BLOCK_KEYS = {s.path.removeprefix(BLOCK + ".").split(".")[0] for s in SETTINGS}
CAMEL = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]*)+")
# camelCase names the admin pages quote that are not config keys: REST API body fields and the
# Teams manifest's own keys.
NOT_CONFIG_KEYS = {"fullName", "setPasswordUrl", "validDomains"}


def _known_names() -> set[str]:
    """Every table path and every run of its parts: `appPackage`, `appPackage.name`, ..."""
    known = set()
    for entry in SETTINGS:
        parts = entry.path.split(".")
        for i in range(len(parts)):
            known.update(".".join(parts[i:j]) for j in range(i + 1, len(parts) + 1))
    return known


def _code(text: str) -> str:
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, re.DOTALL)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return "\n".join(blocks + spans)


def _as_table_path(token: str) -> str:
    """`integrations.msteams.microsoft.com.botAppId` -> `integrations.msteams.<name>.botAppId`."""
    prefix = "integrations.msteams."
    if not token.startswith(prefix):
        return token
    rest = token.removeprefix(prefix).split(".")
    cut = next((i for i, part in enumerate(rest) if i and part in BLOCK_KEYS), len(rest))
    return ".".join([BLOCK, *rest[cut:]])


def _keys_named(text: str) -> set[str]:
    """The config keys a page names in its code: dotted paths and camelCase key names."""
    named = set()
    for token in re.findall(r"[A-Za-z][\w.<>-]*", _code(text)):
        token = token.rstrip(".")
        first = token.split(".")[0]
        if first in SECTIONS or CAMEL.fullmatch(first):
            named.add(_as_table_path(token))
    return named


def test_it_keeps_the_committed_reference_page_equal_to_the_table() -> None:
    committed = (ROOT / REFERENCE_PAGE).read_text(encoding="utf-8")
    assert committed == render_reference(), (
        f"{REFERENCE_PAGE} is stale: run `codestream config docs > {REFERENCE_PAGE}`"
    )


def test_it_prints_the_reference_page_from_the_cli(cli: Cli) -> None:
    result = cli("config", "docs")
    assert result.exit_code == 0, result.output
    assert result.stdout == (ROOT / REFERENCE_PAGE).read_text(encoding="utf-8")


def test_it_names_every_key_of_the_table_in_the_admin_docs() -> None:
    named = set().union(*(_keys_named(page.read_text()) for page in ADMIN_DOCS))
    missing = [s.path for s in SETTINGS if s.path not in named]
    assert missing == [], f"keys in the table but not in docs/admin: {missing}"


@pytest.mark.parametrize("page", ADMIN_DOCS, ids=lambda p: p.name)
def test_it_knows_every_key_the_admin_docs_name(page: Path) -> None:
    unknown = sorted(_keys_named(page.read_text()) - _known_names() - NOT_CONFIG_KEYS)
    assert unknown == [], f"{page.name} names keys the settings table doesn't have: {unknown}"


def test_it_links_the_reference_page_from_the_guide() -> None:
    assert "(settings.md)" in (ROOT / "docs" / "admin" / "README.md").read_text()


def test_it_marks_as_secret_exactly_the_keys_config_show_masks() -> None:
    for entry in SETTINGS:
        parts: list[str | int] = list(entry.path.split("."))
        assert entry.secret == is_secret_path(parts), entry.path


def test_it_has_one_entry_per_key() -> None:
    paths = [s.path for s in SETTINGS]
    assert len(paths) == len(set(paths))


def test_it_accepts_every_default_it_documents() -> None:
    for entry in SETTINGS:
        if entry.default is not None:
            assert entry.kind.why(entry.default) is None, entry.path


def test_it_gives_the_app_package_reader_every_key_and_default_of_the_table() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(PackageSettings)}
    for entry in SETTINGS:
        if entry.path.startswith(f"{BLOCK}.appPackage."):
            assert fields[CONFIG_KEYS[entry.name]] == entry.default, entry.path
    assert len(CONFIG_KEYS) == len(fields)


def test_it_reads_delivery_settings_with_the_tables_defaults() -> None:
    assert DeliverySettings.from_document({}) == DeliverySettings(True, 24.0)
    document = {"delivery": {"inProcessWorker": False, "deadlineHours": 2}}
    assert DeliverySettings.from_document(document) == DeliverySettings(False, 2.0)
    assert value_of({"delivery": {"deadlineHours": None}}, "delivery.deadlineHours") == 24


def test_it_refuses_bad_delivery_settings_in_the_same_words_as_validation() -> None:
    document = {"delivery": {"deadlineHours": 0}}
    with pytest.raises(ConfigError) as caught:
        DeliverySettings.from_document(document)
    (problem,) = [p for p in validate_document(document) if p.startswith("delivery")]
    assert caught.value.message == problem


# --- through the CLI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "problem"),
    [
        (
            {"deadlineHours": 0},
            "delivery.deadlineHours: expected a number of hours more than 0 and at most 720 "
            "(30 days), got 0",
        ),
        ({"deadlineHours": "24"}, "delivery.deadlineHours: expected a number of hours"),
        ({"deadlineHours": 721}, "delivery.deadlineHours: expected a number of hours"),
        ({"inProcessWorker": "no"}, 'delivery.inProcessWorker: expected true or false, got "no"'),
        ([], "delivery: expected an object, got a list"),
    ],
)
def test_it_catches_bad_delivery_settings_in_config_validate(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any, delivery: Any, problem: str
) -> None:
    doc = sample.doc()
    doc["delivery"] = delivery
    write_cfg(doc)
    result = cli("config", "validate")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {cfg_file} is not valid (1 problem(s)):")
    assert f"  - {problem}" in result.stderr


def test_it_accepts_good_delivery_settings_in_config_validate(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path, sample: Any
) -> None:
    doc = sample.doc()
    doc["delivery"] = {"inProcessWorker": False, "deadlineHours": 0.5, "futureKey": 1}
    write_cfg(doc)
    result = cli("config", "validate")
    assert (result.exit_code, result.stdout) == (0, f"OK: {cfg_file}\n")


def test_it_refuses_to_set_a_bad_deadline_and_keeps_the_file(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg()
    before = cfg_file.read_text()
    result = cli("config", "set", "delivery.deadlineHours", "0")
    assert result.exit_code == 2
    assert "delivery.deadlineHours: expected a number of hours more than 0" in result.stderr
    assert cfg_file.read_text() == before
    assert cli("config", "set", "delivery.deadlineHours", "48").exit_code == 0
    assert read_document(cfg_file)["delivery"] == {"deadlineHours": 48}


def test_it_warns_when_set_names_a_key_the_services_do_not_read(
    cli: Cli, write_cfg: WriteCfg, cfg_file: Path
) -> None:
    write_cfg()
    result = cli("config", "set", "delivery.deadlineHour", "48")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: delivery.deadlineHour is not a setting the services read, so it changes "
        "nothing; did you mean delivery.deadlineHours?"
    ) in " ".join(result.stderr.split())
    assert read_document(cfg_file)["delivery"] == {"deadlineHour": 48}  # kept, as before
    result = cli("config", "set", f"{BLOCK_NAME}.botAppTenantID", "x")
    assert f"did you mean {BLOCK_NAME}.botAppTenantId?" in " ".join(result.stderr.split())
    assert "Warning" not in cli("config", "set", "delivery.deadlineHours", "48").stderr
    assert "Warning" not in cli("config", "set", f"{BLOCK_NAME}.appPackage", "{}").stderr


def test_it_masks_the_echoed_value_of_a_mistyped_secret_key(cli: Cli, write_cfg: WriteCfg) -> None:
    write_cfg()
    result = cli("config", "set", f"{BLOCK_NAME}.botAppPasword", "hunter2-typed-wrong")
    assert result.exit_code == 0, result.output
    assert "hunter2-typed-wrong" not in result.output + result.stderr
    assert f'Set {BLOCK_NAME}.botAppPasword = "********"' in result.output
    assert f"did you mean {BLOCK_NAME}.botAppPassword?" in " ".join(result.stderr.split())
    assert "shell history" in result.stderr


def test_it_masks_the_echoed_value_of_any_key_named_like_a_secret(
    cli: Cli, write_cfg: WriteCfg
) -> None:
    write_cfg()
    for key in ("mail.smtpPassword", "telemetry.segment.token", "custom.clientSecret"):
        result = cli("config", "set", key, "hunter2-hunter2")
        assert result.exit_code == 0, result.output
        assert f'Set {key} = "********"' in result.stdout
        assert "hunter2" not in result.output
