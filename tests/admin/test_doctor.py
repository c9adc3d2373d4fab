"""`codestream doctor` against the Teams emulator and a local HTTPS server."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from admin.conftest import Cs, base_doc
from admin.tls import emulator_in_thread, serve_tls
from codestream.config import config_from_document, write_document
from codestream.passwords import Argon2Hasher
from codestream.storage.migrate import upgrade_database
from codestream.storage.tables import outbox
from codestream.web.app import create_app
from support.servers import free_port
from support.tls import self_signed
from teams_emulator import BotApp, RunningEmulator, scene

IN_A_YEAR = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()


@dataclass
class Site:
    """An installation: the emulator as Microsoft, its bot, a config, and its HTTPS front."""

    emu: RunningEmulator
    bot: BotApp
    cfg: Path
    certfile: Path
    doc: dict[str, Any]

    def write(self, **block: Any) -> None:
        """Rewrite the config with these keys changed in the bot block."""
        self.doc["integrations"]["msteams"]["microsoft.com"].update(block)
        write_document(self.cfg, self.doc)


@pytest.fixture
def site(
    home: Path, cfg_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with emulator_in_thread() as threaded:
        emu = threaded.emu
        bot = scene(emu.emulator).bot
        port = free_port()
        doc = base_doc(free_port(), home)
        doc["apiServer"]["publicApiUrl"] = f"https://localhost:{port}"
        block = {**emu.msteams_block(bot), "botAppPasswordExpiresAt": IN_A_YEAR}
        doc["integrations"] = {"msteams": {"microsoft.com": block}}
        doc["delivery"] = {"inProcessWorker": False}
        write_document(cfg_file, doc)
        config = config_from_document(doc, source=cfg_file)
        upgrade_database(config.database_url)
        app = create_app(config, hasher=Argon2Hasher(time_cost=1, memory_cost=8192))
        certfile, keyfile = self_signed(tmp_path)
        with serve_tls(app, certfile, keyfile, port):
            yield Site(emu, bot, cfg_file, certfile, doc)


def _lines(output: str) -> dict[str, str]:
    """check title -> its line (with the mark), for lines that start with a mark."""
    found = {}
    for line in output.splitlines():
        if line[:1] in "✔✖!·" and ": " in line:
            found[line[2:].split(": ", 1)[0]] = line
    return found


def test_all_green_with_the_right_credentials_and_a_trusted_certificate(
    cs: Cs, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(site.certfile))  # our CA, as if it were public
    result = cs("doctor")
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert list(lines) == [
        "config",
        "bot credentials",
        "token request",
        "OpenID metadata and keys",
        "publicApiUrl",
        "proxy route",
        "client secret expiry",
        "app links",
        "database",
        "outbox",
    ]
    assert all(line.startswith("✔") for line in lines.values()), result.output
    assert "websiteUrl (200), privacyUrl (200), termsOfUseUrl (200) answer" in lines["app links"]
    assert (
        "serves HTTPS with a trusted certificate (also trusting $SSL_CERT_FILE)"
        in (lines["publicApiUrl"])
    )
    assert "reaches CodeStream (405, as it should)" in lines["proxy route"]
    assert "All checks passed." in result.output
    assert site.bot.secret not in result.output


def test_a_dead_privacy_link_is_a_warning_naming_the_url_and_status(
    cs: Cs, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(site.certfile))
    base = site.doc["apiServer"]["publicApiUrl"]
    site.write(appPackage={"privacyUrl": f"{base}/web/no-such-page"})
    result = cs("doctor")
    assert result.exit_code == 0, result.output  # the bot works without it
    line = _lines(result.output)["app links"]
    assert line == (
        f"! app links: privacyUrl {base}/web/no-such-page answered 404: "
        "Teams shows these links in the app's details"
    )
    assert "integrations.msteams.microsoft.com.appPackage.privacyUrl" in result.output


def test_a_self_signed_certificate_fails_the_trust_check(cs: Cs, site: Site) -> None:
    result = cs("doctor")
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert lines["publicApiUrl"].startswith(
        "✖ publicApiUrl: the certificate of localhost is not trusted by public clients: "
        "self-signed certificate"
    )
    assert "fix: use a certificate from a public CA" in result.output
    assert lines["proxy route"].startswith("✔")  # the route still works behind it
    assert "(checked without verifying the certificate)" in lines["proxy route"]
    assert lines["token request"].startswith("✔")


def test_a_wrong_secret_is_explained(cs: Cs, site: Site) -> None:
    site.write(botAppPassword="the-secret-ID-not-its-value")
    result = cs("doctor")
    assert result.exit_code == 1
    line = _lines(result.output)["token request"]
    assert line.startswith("✖ token request: Entra refused the client secret of app")
    assert "(AADSTS7000215): botAppPassword is wrong" in line
    assert "Certificates & secrets, add a New client secret and copy its Value" in result.output
    assert "the-secret-ID-not-its-value" not in result.output


def test_a_wrong_tenant_is_explained(cs: Cs, site: Site) -> None:
    other = site.emu.driver.create_tenant("Fabrikam")
    site.write(botAppTenantId=other.id)
    result = cs("doctor")
    assert result.exit_code == 1
    line = _lines(result.output)["token request"]
    assert f"Entra does not know app {site.bot.app_id} in tenant {other.id} (AADSTS700016)" in line
    assert "botAppTenantId is not the tenant the bot is registered in" in line
    assert "codestream config msteams --app-id <App ID> --tenant-id <App Tenant ID>" in (
        result.output
    )


def test_an_unknown_tenant_is_explained(cs: Cs, site: Site) -> None:
    site.write(botAppTenantId="0000aaaa-0000-0000-0000-000000000000")
    line = _lines(cs("doctor").output)["token request"]
    assert "does not exist (AADSTS90002): botAppTenantId is wrong" in line


@pytest.mark.parametrize(
    ("days", "mark", "text"),
    [
        (10, "!", "the client secret expires in 10 days"),
        (-1, "✖", "the client secret expired on"),
        (None, "!", "unknown (Azure client secrets expire"),
    ],
)
def test_the_secret_expiry_date(cs: Cs, site: Site, days: int | None, mark: str, text: str) -> None:
    if days is None:
        del site.doc["integrations"]["msteams"]["microsoft.com"]["botAppPasswordExpiresAt"]
        write_document(site.cfg, site.doc)
    else:
        site.write(
            botAppPasswordExpiresAt=(
                datetime.date.today() + datetime.timedelta(days=days)
            ).isoformat()
        )
    line = _lines(cs("doctor").output)["client secret expiry"]
    assert line.startswith(f"{mark} client secret expiry: {text}")


def test_a_proxy_that_does_not_route_the_endpoint(
    cs: Cs, home: Path, cfg_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nginx_default = Starlette(routes=[Route("/", lambda r: PlainTextResponse("Welcome"))])
    certfile, keyfile = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certfile))
    with serve_tls(nginx_default, certfile, keyfile) as port:
        doc = base_doc(free_port(), home)
        doc["apiServer"]["publicApiUrl"] = f"https://localhost:{port}"
        write_document(cfg_file, doc)
        result = cs("doctor")
    lines = _lines(result.output)
    assert lines["publicApiUrl"].startswith("✔")
    assert lines["proxy route"].startswith(
        "✖ proxy route: GET /no-auth/provider-action/msteams answered 404, not CodeStream's 405"
    )
    assert "see deploy/nginx/codestream.conf" in result.output
    assert lines["bot credentials"].startswith("✖ bot credentials: no enabled integrations")
    assert lines["database"].startswith("✖ database: no SQLite database at")
    assert result.exit_code == 1


def test_http_public_url_and_a_corrupt_config(cs: Cs, configured: Path) -> None:
    result = cs("doctor")
    assert result.exit_code == 1
    assert "is not https: Teams only calls https messaging endpoints" in result.output
    configured.write_text(json.dumps({"apiServer": {"publicApiUrl": "ftp://x"}}))
    broken = cs("doctor")
    assert broken.exit_code == 1
    assert list(_lines(broken.output)) == ["config"]
    assert "apiServer.publicApiUrl: expected an absolute http(s) URL" in broken.output
    assert "fix: codestream config validate lists every problem" in broken.output


def test_it_reports_the_failed_deliveries_of_the_last_seven_days_only(cs: Cs, site: Site) -> None:
    url = config_from_document(site.doc, source=site.cfg).database_url
    now = int(time.time() * 1000)
    day = 24 * 3_600_000
    rows = [("too old to matter", now - 8 * day), ("403 Forbidden: bot removed", now - 2 * day)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for error, at in rows:
            conn.execute(
                sa.insert(outbox).values(
                    kind="bot_reply",
                    tenant_id="t1",
                    service_url="https://smba.trafficmanager.net/amer/t1/",
                    conversation_id="19:c@thread.tacv2",
                    operation="send",
                    payload={"type": "message"},
                    status="failed",
                    attempts=1,
                    next_attempt_at=at,
                    deadline_at=at,
                    last_error=error,
                    created_at=at,
                    modified_at=at,
                )
            )
    engine.dispose()
    line = _lines(cs("doctor").output)["outbox"]
    assert line.startswith("! outbox: 0 waiting; 1 failed for good in the last 7 days")
    assert line.endswith("UTC: 403 Forbidden: bot removed")
