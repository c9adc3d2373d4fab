"""An admin with a wrong bot secret, as in issue 18: the services started with `codestream start`
(a separate delivery worker, JSON logs), the worker's one log line with the AADSTS reason, the
server's `/metrics` counting the worker's failures, `codestream status` naming the reason and the
next attempt, and a restart after the fix sending the waiting rows at once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from admin.conftest import Cs, base_doc
from admin.services import kill_all, pid_of
from admin.test_restart_outbox import _enqueue
from admin.tls import ThreadedEmulator, emulator_in_thread
from codestream.config import config_from_document, write_document
from codestream.storage.engine import create_sync_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.stats import outbox_summary
from codestream.storage.tables import outbox
from codestream.web.app import create_app
from support.servers import free_port, serve_in_thread
from teams_emulator import scene

WRONG_SECRET = "wrong-secret-Value-0123456789~abc"


@pytest.fixture
def teams() -> Iterator[ThreadedEmulator]:
    with emulator_in_thread() as threaded:
        yield threaded


def _until(check: Callable[[], Any], within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


def _sample(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.mark.slow
def test_a_wrong_secret_is_explained_counted_shown_and_retried_after_the_fix(
    cs: Cs, home: Path, cfg_file: Path, teams: ThreadedEmulator
) -> None:
    emu = teams.emu
    cast = scene(emu.emulator, users=["Alice Smith"], channels=["One", "Two", "Three"])
    teams.run(emu.driver.install_bot(cast.bot, cast.team, by=cast.alice))
    port = free_port()
    doc = base_doc(port, home)
    block = emu.msteams_block(cast.bot)
    right_secret = block["botAppPassword"]
    block["botAppPassword"] = WRONG_SECRET
    doc["integrations"] = {"msteams": {"microsoft.com": block}}
    doc["delivery"] = {"inProcessWorker": False}  # only the worker process sends
    doc["logging"] = {"format": "json"}
    write_document(cfg_file, doc)
    url = config_from_document(doc, source=cfg_file).database_url
    upgrade_database(url)
    service_url = emu.service_url(cast.tenant)
    _enqueue(url, cast.tenant, service_url, [(c, f"card {c.name}") for c in cast.channels])

    try:
        started = cs("start")
        assert started.exit_code == 0, started.output
        assert pid_of(home, "worker") is not None

        def retrying() -> bool:
            summary = outbox_summary(url)
            return summary.by_status()["retrying"] == 3

        _until(retrying, 30, "three rows retrying")

        worker_log = home / ".codestream" / "logs" / "worker.log"
        entries = [
            json.loads(line) for line in worker_log.read_text().splitlines() if line.startswith("{")
        ]
        credential = [e for e in entries if "cannot get a Bot Connector token" in e["message"]]
        assert len(credential) == 1, entries
        entry = credential[0]
        assert {"timestamp", "level", "logger", "message"} <= set(entry)
        assert entry["level"] == "error"
        assert entry["logger"] == "codestream.delivery"
        assert "AADSTS7000215" in entry["message"]
        assert "botAppPassword is wrong" in entry["message"]
        assert entry["next_attempt_at"]
        assert WRONG_SECRET not in worker_log.read_text()

        # The server serves the worker's counters (multiprocess), the outbox from the database.
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert _sample(metrics, "codestream_token_failures_total", code="AADSTS7000215") >= 1
        assert _sample(metrics, "codestream_delivery_rows_claimed_total") >= 3
        assert _sample(metrics, "codestream_outbox_rows", status="retrying", kind="share") == 3

        # The server logs JSON too, uvicorn's access log included, with secrets masked.
        httpx.get(f"http://127.0.0.1:{port}/healthz?token=hunter2-secret-value", timeout=10)
        api_log = home / ".codestream" / "logs" / "api.log"
        api_entries = _until(
            lambda: [
                json.loads(line)
                for line in api_log.read_text().splitlines()
                if line.startswith("{") and "/healthz" in line
            ],
            10,
            "the access log line",
        )
        assert api_entries[0]["logger"] == "uvicorn.access"
        assert "token=***" in api_entries[0]["message"]
        assert "hunter2" not in api_log.read_text()

        status = cs("status")
        assert status.exit_code == 0, status.output
        assert "Outbox: 3 waiting (queued 0, sending 0, retrying 3)" in status.output
        assert "Last error: outbox row" in status.output
        assert "AADSTS7000215" in status.output
        assert "next attempt at" in status.output
        assert WRONG_SECRET not in status.output

        # Their backoff has grown long; the admin fixes the secret and restarts.
        engine = create_sync_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    outbox.update().values(next_attempt_at=int(time.time() * 1000) + 600_000)
                )
        finally:
            engine.dispose()
        block["botAppPassword"] = right_secret
        write_document(cfg_file, doc)
        restarted = cs("restart", "-M")
        assert restarted.exit_code == 0, restarted.output

        def sent() -> bool:
            return outbox_summary(url).by_status()["sent"] == 3

        _until(sent, 20, "the three rows sent after the restart, long before their backoff")
        assert "retried now" in worker_log.read_text()
        for line in worker_log.read_text().splitlines():  # JSON, but for the start banners
            assert line.startswith("{") or "codestream worker (pid file" in line, line
        assert cs("stop").exit_code == 0
    finally:
        kill_all(home)


def test_status_finds_a_server_it_did_not_start(cs: Cs, home: Path, cfg_file: Path) -> None:
    port = free_port()
    doc = base_doc(port, home)
    write_document(cfg_file, doc)
    config = config_from_document(doc, source=cfg_file)
    with serve_in_thread(create_app(config), port):
        status = cs("status")
    assert (
        f"API server: running, not started by `codestream start` (no pid file); /readyz on port "
        f"{port}: ready"
    ) in status.output
    assert "Outbox: 0 waiting (queued 0, sending 0, retrying 0); 0 sent, 0 failed" in status.output
    stopped = cs("status")
    assert "API server: stopped" in stopped.output
    assert stopped.exit_code == 3
