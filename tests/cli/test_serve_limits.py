"""`codestream serve` as a process against slow clients (slowloris), too many connections and
secrets in its access log, over raw sockets, plain and with TLS served directly."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from codestream.config import new_document, write_document
from support.servers import free_port
from support.tls import self_signed


@dataclass
class Served:
    port: int
    certfile: Path | None
    lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"{'https' if self.certfile else 'http'}://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        verify: Any = True
        if self.certfile is not None:
            verify = ssl.create_default_context(cafile=str(self.certfile))
        return httpx.Client(base_url=self.base, verify=verify, timeout=5)

    def connect(self) -> socket.socket:
        """A raw TCP connection (TLS wrapped when the server serves TLS)."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if self.certfile is None:
            return raw
        context = ssl.create_default_context(cafile=str(self.certfile))
        return context.wrap_socket(raw, server_hostname="127.0.0.1")


@contextmanager
def serve(tmp_path: Path, *, tls: bool = False, **api_server: Any) -> Iterator[Served]:
    """`codestream serve` in a subprocess with these `apiServer` settings; its output collected."""
    port = free_port()
    scheme = "https" if tls else "http"
    doc = new_document(f"{scheme}://127.0.0.1:{port}")
    doc["apiServer"] = {
        "publicApiUrl": f"{scheme}://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
        **api_server,
    }
    doc["storage"] = {"sqlite": {"path": str(tmp_path / "cs.db")}}
    certfile = None
    if tls:
        certfile, keyfile = self_signed(tmp_path, host="127.0.0.1")
        doc["ssl"] = {"certfile": str(certfile), "keyfile": str(keyfile)}
    config = tmp_path / "config.json"
    write_document(config, doc)
    process = subprocess.Popen(
        [sys.executable, "-m", "codestream", "--config", str(config), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ},
    )
    served = Served(port, certfile)

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line)

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        with served.client() as client:
            while True:
                assert process.poll() is None, "".join(served.lines)
                assert time.monotonic() < deadline, "the server never became ready"
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=15)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def _seconds_until_closed(
    sock: socket.socket, *, dribble: bytes = b"", every: float = 0.2
) -> float:
    """Send `dribble` a byte at a time (then nothing) until the server closes; how long it took
    (at most the socket's 10 s timeout)."""
    started = time.monotonic()
    pending = list(dribble)
    sock.settimeout(every)
    while time.monotonic() - started < 10:
        if pending:
            try:
                sock.send(bytes([pending.pop(0)]))
            except OSError:
                break
        try:
            if sock.recv(1024) == b"":
                break
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError):
            break
    return time.monotonic() - started


HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: " + b"a" * 200


def test_slow_and_silent_clients_are_dropped_after_the_header_timeout(tmp_path: Path) -> None:
    with (
        serve(tmp_path, headerTimeoutSeconds=1) as served,
        served.connect() as silent,
        served.connect() as dribbler,
        served.client() as client,
    ):
        assert client.get("/healthz").status_code == 200  # normal clients are unaffected
        assert _seconds_until_closed(silent) < 3
        assert _seconds_until_closed(dribbler, dribble=HEAD) < 3
        # A kept-alive connection gets the same deadline for its next request's head.
        with served.connect() as kept:
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert kept.recv(1024).startswith(b"HTTP/1.1 200")
            assert _seconds_until_closed(kept, dribble=HEAD) < 3
        assert client.get("/healthz").status_code == 200


def test_tls_handshakes_and_heads_get_the_same_deadline(tmp_path: Path) -> None:
    with serve(tmp_path, tls=True, headerTimeoutSeconds=1) as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as no_handshake:
            assert _seconds_until_closed(no_handshake) < 3
        with served.connect() as dribbler:
            assert _seconds_until_closed(dribbler, dribble=HEAD) < 3
        with served.client() as client:
            assert client.get("/healthz").status_code == 200


def test_connections_beyond_the_cap_are_answered_503(tmp_path: Path) -> None:
    with serve(tmp_path, headerTimeoutSeconds=30, maxConnections=5) as served:
        held = [served.connect() for _ in range(5)]
        try:
            time.sleep(0.3)  # the server has accepted them all
            with served.connect() as extra:
                answer = extra.recv(4096)
                assert answer.startswith(b"HTTP/1.1 503"), answer
                assert b'"too_many_connections"' in answer
                assert extra.recv(4096) == b""  # and closed
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        with served.client() as client:
            assert client.get("/healthz").status_code == 200


def test_the_access_log_never_prints_query_secrets(tmp_path: Path) -> None:
    state = "s3cr3t-state-" + "x" * 40
    with serve(tmp_path) as served, served.client() as client:
        client.get(
            "/web/msteams/signin",
            params={"state": state, "code": "123456", "access_token": "tok-1", "codemarkId": "cm7"},
        )
        client.get("/healthz", params={"password": "hunter2", "apiKey": "k-9"})
        time.sleep(0.5)  # the access log is written after the response
    log = "".join(served.lines)
    assert "/web/msteams/signin?" in log  # the request was logged
    for secret in (state, "123456", "tok-1", "hunter2", "k-9"):
        assert secret not in log
    assert "state=***" in log
    assert "codemarkId=cm7" in log  # ordinary parameters stay readable
