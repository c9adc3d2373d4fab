"""`codestream emulator`: its world's ids kept across runs, `--write-config`, `--install
--read-channel-messages`, and one-line errors for what it cannot use."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from codestream.cli.emulator_cmd import merged_config
from codestream.cli.main import app
from codestream.config import new_document, write_document

APP_ID = "00000000-0000-4000-8000-000000000001"


@contextmanager
def _emulator(*args: str) -> Iterator[tuple[str, str]]:
    """`codestream emulator --port 0 ARGS`: its base URL and what it printed up to its block."""
    process = subprocess.Popen(  # our own CLI
        [sys.executable, "-m", "codestream", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed: list[str] = []
        while not printed or printed[-1] != "}\n":
            line = process.stdout.readline()
            assert line, "".join(printed)
            printed.append(line)
        text = "".join(printed)
        match = re.search(r"http://127\.0\.0\.1:\d+", text)
        assert match, text
        yield match.group(0), text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _world(base: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{base}/_emulator/ui/state", timeout=10).json()
    return state


def _ids(state: dict[str, Any]) -> dict[str, Any]:
    tenant = state["tenants"][0]
    return {
        "tenant": tenant["id"],
        "users": [(u["id"], u["aadObjectId"]) for u in tenant["users"]],
        "teams": [(t["id"], [c["id"] for c in t["channels"]]) for t in tenant["teams"]],
        "bots": [b["appId"] for b in state["bots"]],
    }


def test_the_world_and_its_installs_are_the_same_after_a_restart(isolated_home: Path) -> None:
    endpoint = "http://127.0.0.1:9/no-bot-here"  # nothing answers: installs happen all the same
    args = ("--bot-endpoint", endpoint, "--install", "--read-channel-messages")
    with _emulator(*args) as (base, printed):
        deadline = time.monotonic() + 20
        while not (first := _world(base))["tenants"][0]["chats"]:  # --install runs after the print
            assert time.monotonic() < deadline, first
            time.sleep(0.05)
        block = json.loads(printed[printed.index("{") :])
        kept = isolated_home / ".codestream" / "teams-emulator.json"
        assert f"Ids kept in:           {kept}" in printed
        general = first["tenants"][0]["teams"][0]["id"]
        view = httpx.get(f"{base}/_emulator/ui/conversations/{general}", timeout=10).json()
        assert view["team"]["installs"][0]["readsAllMessages"] is True
        (chat,) = first["tenants"][0]["chats"]
    assert kept.stat().st_mode & 0o777 == 0o600  # it holds the bot's generated secret

    with _emulator("--bot-endpoint", endpoint) as (base, printed_again):
        again = _world(base)
        assert _ids(again) == _ids(first)
        assert json.loads(printed_again[printed_again.index("{") :]) == {
            "integrations": {
                "msteams": {
                    "microsoft.com": {
                        **block["integrations"]["msteams"]["microsoft.com"],
                        **_urls_of(base),
                    }
                }
            }
        }
        # The installs came back without being sent again: the bot heard of them last time.
        assert again["tenants"][0]["chats"] == [chat]
        view = httpx.get(f"{base}/_emulator/ui/conversations/{general}", timeout=10).json()
        assert view["team"]["installs"][0]["readsAllMessages"] is True

    # Another app id: the same tenant, team and users; that app is installed nowhere yet.
    with _emulator("--bot-app-id", APP_ID) as (base, _):
        other = _world(base)
        assert _ids(other)["tenant"] == _ids(first)["tenant"]
        assert _ids(other)["users"] == _ids(first)["users"]
        assert other["bots"][0]["appId"] == APP_ID
        assert other["tenants"][0]["chats"] == []
        assert other["tenants"][0]["teams"][0]["installedBots"] == []


def _urls_of(base: str) -> dict[str, Any]:
    return {
        "openIdMetadataUrl": f"{base}/v1/.well-known/openidconfiguration",
        "loginUrl": base,
        "serviceUrlAllowList": [base],
        "teamsJsUrl": f"{base}/_emulator/teamsjs/MicrosoftTeams.js",
    }


def test_write_config_merges_the_block_and_keeps_the_rest(isolated_home: Path) -> None:
    config = isolated_home / "services.json"
    doc = new_document("http://127.0.0.1:12079")
    doc["integrations"] = {
        "msteams": {
            "microsoft.com": {"botAppId": "old", "botAppPasswordExpiresAt": "2027-05-31"},
            "spare": {"disabled": True},
        }
    }
    write_document(config, doc)
    with _emulator("--bot-app-id", APP_ID, "--write-config", str(config)) as (_, printed):
        block = json.loads(printed[printed.index("{") :])["integrations"]["msteams"]
        written = json.loads(config.read_text())
    assert written["integrations"]["msteams"]["microsoft.com"] == {
        **block["microsoft.com"],
        "botAppPasswordExpiresAt": "2027-05-31",
    }
    assert written["integrations"]["msteams"]["spare"] == {"disabled": True}
    assert written["apiServer"] == doc["apiServer"]
    (backup,) = config.parent.glob("services.json.*.bak")
    assert json.loads(backup.read_text()) == doc
    assert f"Previous config:       {backup}" in printed


def test_merged_config_refuses_a_broken_integrations_block() -> None:
    import pytest

    from codestream.config import ConfigError

    with pytest.raises(ConfigError, match=r"integrations\.msteams is not an object"):
        merged_config({"integrations": {"msteams": []}}, {"integrations": {"msteams": {}}})


def test_what_it_cannot_use_is_one_line_and_exit_2(isolated_home: Path) -> None:
    runner = CliRunner()
    alone = runner.invoke(app, ["emulator", "--read-channel-messages"])
    assert alone.exit_code == 2
    assert "--read-channel-messages" in alone.output and "--install" in alone.output

    missing = isolated_home / "nowhere.json"
    result = runner.invoke(app, ["emulator", "--write-config", str(missing)])
    assert result.exit_code == 2
    assert f"--write-config: {missing}: no config file there" in " ".join(result.output.split())
    assert not missing.exists()

    state = isolated_home / "state.json"
    state.write_text("{not json")
    broken = runner.invoke(app, ["emulator", "--state", str(state)])
    assert broken.exit_code == 2
    assert f"{state}: not the emulator's state" in " ".join(broken.output.split())
    assert "Traceback" not in broken.output
    assert state.read_text() == "{not json"


def test_a_state_file_of_another_shape_is_refused_not_a_traceback(isolated_home: Path) -> None:
    state = isolated_home / "state.json"
    state.write_text(json.dumps({"version": 1, "tenant": "not an object"}))
    result = CliRunner().invoke(app, ["emulator", "--state", str(state)])
    assert result.exit_code == 2
    assert "delete it to start over with new ids" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_the_apps_message_extension_unfolds_the_bot_hosts_links(isolated_home: Path) -> None:
    """As the app package's messageHandlers say: by default the bot endpoint's host; or the
    hosts given with --link-domain."""
    endpoint = "http://127.0.0.1:9/no-auth/provider-action/msteams"
    with _emulator("--bot-endpoint", endpoint) as (base, _):
        (app,) = httpx.get(f"{base}/_emulator/ui/compose/apps", timeout=10).json()
        assert app["domains"] == ["127.0.0.1"]
    with _emulator(
        "--bot-endpoint", endpoint, "--link-domain", "cs.example.com", "--link-domain", "Other.Test"
    ) as (base, _):
        (app,) = httpx.get(f"{base}/_emulator/ui/compose/apps", timeout=10).json()
        assert app["domains"] == ["cs.example.com", "other.test"]
