"""Serving the emulator: run_emulator, the pytest plugin, the page API, the command lines."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import httpx

from teams_emulator import RunningEmulator, pytest_plugin

from .conftest import World

emulator = pytest_plugin.emulator


async def test_plugin_fixture_serves_on_a_free_loopback_port(emulator: RunningEmulator) -> None:
    parts = urlsplit(emulator.base_url)
    assert parts.hostname == "127.0.0.1" and parts.port and parts.port > 0
    assert emulator.openid_metadata_url == f"{emulator.base_url}/v1/.well-known/openidconfiguration"
    assert emulator.login_url == emulator.base_url
    assert emulator.token_issuer == "https://api.botframework.com"
    tenant = emulator.driver.create_tenant("Fabrikam")
    assert emulator.service_url(tenant) == f"{emulator.base_url}/amer/{tenant.id}/"
    assert emulator.service_url(tenant.id) == emulator.service_url(tenant)
    assert emulator.service_url("emea") == f"{emulator.base_url}/emea/"
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{emulator.base_url}/")
        assert page.status_code == 200 and "Teams" in page.text
        script = await http.get(f"{emulator.base_url}/_emulator/ui/static/cards.js")
        assert "AdaptiveCardRenderer" in script.text
        assert (await http.get(f"{emulator.base_url}/_emulator/ui/static/x.py")).status_code == 404


async def test_page_api_validates_and_drives(world: World) -> None:
    base = f"{world.emu.base_url}/_emulator/ui"
    http = world.http
    assert (await http.post(f"{base}/messages", json={})).status_code == 400
    assert (await http.post(f"{base}/actions", json={})).status_code == 400
    assert (await http.post(f"{base}/install", json={})).status_code == 400
    sent = await http.post(
        f"{base}/messages",
        json={"conversationId": world.channel.id, "userId": world.bob.id, "text": "hi"},
    )
    assert sent.json() == {"delivered": True, "status": 200, "body": None, "error": None}
    quiet = await http.post(
        f"{base}/messages",
        json={
            "conversationId": world.channel.id,
            "userId": world.bob.id,
            "text": "no bot",
            "mention": False,
        },
    )
    assert quiet.json() == {"delivered": False}
    installed = await http.post(
        f"{base}/install", json={"appId": world.bot.app_id, "userId": world.alice.id}
    )
    assert installed.json() == {"statuses": [200, 200]}
    state = (await http.get(f"{base}/state")).json()
    chats = state["tenants"][0]["chats"]
    assert [c["userId"] for c in chats] == [world.alice.id]
    view = (await http.get(f"{base}/conversations/{world.channel.id}")).json()
    assert [t["root"]["text"] for t in view["threads"]] == [
        "<at>CodeStream</at> hi",
        "no bot",
    ]
    assert (await http.get(f"{base}/conversations/nope")).status_code == 404

    team = {"appId": world.bot.app_id, "teamId": world.team.id}
    bad = await http.post(f"{base}/install", json={**team, "consent": "ChannelMessage.Read.Group"})
    assert bad.status_code == 400 and "consent" in bad.json()["error"]
    consented = await http.post(
        f"{base}/install", json={**team, "consent": ["ChannelMessage.Read.Group"]}
    )
    assert consented.json() == {"statuses": [200, 200]}
    heard = await http.post(
        f"{base}/messages",
        json={
            "conversationId": world.channel.id,
            "userId": world.bob.id,
            "text": "heard without a mention",
            "mention": False,
        },
    )
    assert heard.json()["delivered"] is True


def test_python_dash_m_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "teams_emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--bot-endpoint" in result.stdout and "--port" in result.stdout


def test_codestream_emulator_command_is_registered() -> None:
    from typer.testing import CliRunner

    from codestream.cli.main import _register_commands, app

    _register_commands()
    result = CliRunner().invoke(app, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "--bot-app-id" in result.output and "--bot-app-password" in result.output


def test_command_serves_prints_urls_and_stops_on_ctrl_c() -> None:
    import re
    import signal

    process = subprocess.Popen(
        [sys.executable, "-m", "teams_emulator", "--port", "0", "--bot-app-id", "app-123"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        base = match.group(0)
        state = httpx.get(f"{base}/_emulator/ui/state", timeout=10).json()
        assert state["bots"][0]["appId"] == "app-123"
        assert [c["name"] for c in state["tenants"][0]["teams"][0]["channels"]] == [
            "General",
            "Releases",
        ]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert '"botAppId": "app-123"' in process.stdout.read()  # the config block
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


README_BOT_APP_ID = "00000000-0000-4000-8000-000000000001"
README_BOT_APP_PASSWORD = "dev-only-secret"


def test_codestream_emulator_as_the_readme_runs_it_serves_and_stops_on_sigterm() -> None:
    import json
    import signal
    import socket

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codestream",
            "emulator",
            "--port",
            "0",
            "--bot-endpoint",
            "http://127.0.0.1:12079/no-auth/provider-action/msteams",
            "--bot-app-id",
            README_BOT_APP_ID,
            "--bot-app-password",
            README_BOT_APP_PASSWORD,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed: list[str] = []
        while not printed or printed[-1] != "}\n":  # the config block is printed last
            line = process.stdout.readline()
            assert line, "".join(printed)
            printed.append(line)
        text = "".join(printed)
        shown: dict[str, str] = {}  # "  Token URL:      http://..." -> {"Token URL": "http://..."}
        for line in printed:
            name, colon, value = line.strip().partition(":  ")
            if colon:
                shown[name] = value.strip()
        base = text.split()[3]
        assert base.startswith("http://127.0.0.1:"), text
        block = json.loads(text[text.index("{") :])["integrations"]["msteams"]["microsoft.com"]
        assert block["botAppId"] == README_BOT_APP_ID
        assert block["botAppPassword"] == README_BOT_APP_PASSWORD

        with httpx.Client(timeout=10) as http:
            page = http.get(f"{base}/")
            assert page.status_code == 200 and "Teams" in page.text
            metadata = http.get(block["openIdMetadataUrl"])
            assert metadata.status_code == 200
            assert metadata.json()["issuer"] == shown["Token issuer"]
            keys = http.get(metadata.json()["jwks_uri"]).json()["keys"]
            assert keys and all(k["kty"] == "RSA" and "msteams" in k["endorsements"] for k in keys)
            form = {
                "grant_type": "client_credentials",
                "client_id": README_BOT_APP_ID,
                "client_secret": README_BOT_APP_PASSWORD,
                "scope": "https://api.botframework.com/.default",
            }
            token = http.post(shown["Token URL"], data=form)
            assert token.status_code == 200, token.text
            assert token.json()["token_type"] == "Bearer" and token.json()["access_token"]
            wrong = http.post(shown["Token URL"], data={**form, "client_secret": "x"})
            assert wrong.status_code == 401

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        rest = process.stdout.read()
        assert "Traceback" not in rest, rest
        port = int(base.rsplit(":", 1)[1])
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
