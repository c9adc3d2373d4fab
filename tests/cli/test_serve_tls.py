"""`codestream serve` as a process: migrations on start, and TLS when ssl.* is configured."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from codestream.config import new_document, write_document
from support.servers import free_port
from support.tls import self_signed


def test_it_serves_https_with_the_configured_certificate(tmp_path: Path) -> None:
    certfile, keyfile = self_signed(tmp_path, host="127.0.0.1")
    port = free_port()
    doc = new_document(f"https://127.0.0.1:{port}")
    doc["apiServer"] = {
        "publicApiUrl": f"https://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
    }
    doc["storage"] = {"sqlite": {"path": str(tmp_path / "cs.db")}}
    doc["ssl"] = {"certfile": str(certfile), "keyfile": str(keyfile)}
    config = tmp_path / "config.json"
    write_document(config, doc)
    server = subprocess.Popen(
        [sys.executable, "-m", "codestream", "--config", str(config), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        ready = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(
                    f"https://127.0.0.1:{port}/readyz",
                    verify=ssl.create_default_context(cafile=str(certfile)),
                    timeout=2,
                )
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "the server never answered over HTTPS"
        assert ready.json() == {"status": "ready"}  # migrated on start
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.TransportError:
            pass  # plain HTTP on a TLS port fails, as it should
        else:
            raise AssertionError("the TLS port answered plain HTTP")
    finally:
        server.terminate()
        server.wait(timeout=15)
        if server.stdout is not None:
            server.stdout.close()
