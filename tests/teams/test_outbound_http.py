"""The client for calls to Microsoft (teams/http.py): httpx's interface over aiohttp's
connections, behaving as httpx's own client did where callers depend on it."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from codestream.teams.http import outbound_client

Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]
"""Given the request head and body, the raw response (None: never answer)."""


@dataclass
class Server:
    port: int
    heads: list[bytes] = field(default_factory=list)
    """The request heads it read, in order."""
    connections: int = 0


@asynccontextmanager
async def raw_server(answer: Answer) -> AsyncIterator[Server]:
    """A loopback HTTP/1.1 server speaking bytes."""
    seen = Server(0)
    heads = seen.heads

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                heads.append(head)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                response = await answer(head, body)
                if response is None:
                    await asyncio.sleep(3600)
                    return
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    seen.port = server.sockets[0].getsockname()[1]
    try:
        yield seen
    finally:
        server.close()


def response(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def json_answer(head: bytes, body: bytes) -> bytes:
    return response("201 Created", b'{"id": "1:abc"}', "Content-Type: application/json")


async def test_a_post_carries_its_headers_and_json_and_the_answer_comes_back() -> None:
    async with raw_server(json_answer) as server, outbound_client() as http:
        answer = await http.post(
            f"http://127.0.0.1:{server.port}/v3/conversations",
            json={"type": "message", "text": "hi"},
            headers={"Authorization": "Bearer t0k3n"},
        )
    assert answer.status_code == 201
    assert answer.reason_phrase == "Created"
    assert answer.json() == {"id": "1:abc"}
    head = server.heads[0].decode().lower()
    assert head.startswith("post /v3/conversations http/1.1")
    assert "authorization: bearer t0k3n" in head
    assert "content-type: application/json" in head
    assert head.count("content-length:") == 1


async def test_connections_are_kept_and_reused_between_calls() -> None:
    async with raw_server(json_answer) as server, outbound_client() as http:
        for _ in range(5):
            assert (await http.get(f"http://127.0.0.1:{server.port}/ping")).status_code == 201
    assert len(server.heads) == 5
    assert server.connections == 1


async def test_a_gzipped_answer_is_decoded_once() -> None:
    packed = gzip.compress(b'{"access_token": "x"}')

    async def gzipped(head: bytes, body: bytes) -> bytes:
        return response(
            "200 OK", packed, "Content-Type: application/json", "Content-Encoding: gzip"
        )

    async with raw_server(gzipped) as server, outbound_client() as http:
        answer = await http.get(f"http://127.0.0.1:{server.port}/token")
    assert answer.json() == {"access_token": "x"}


async def test_a_redirect_is_returned_not_followed() -> None:
    async def moved(head: bytes, body: bytes) -> bytes:
        return response("302 Found", b"", "Location: http://elsewhere.invalid/")

    async with raw_server(moved) as server, outbound_client() as http:
        answer = await http.post(f"http://127.0.0.1:{server.port}/v3/conversations", json={})
    assert answer.status_code == 302
    assert answer.headers["location"] == "http://elsewhere.invalid/"
    assert len(server.heads) == 1


async def test_a_refused_connection_is_httpx_connect_error() -> None:
    async with raw_server(json_answer) as server:
        pass  # closed: nothing listens on the port any more
    async with outbound_client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{server.port}/")


async def test_a_silent_server_is_httpx_read_timeout() -> None:
    async def silent(head: bytes, body: bytes) -> None:
        return None

    async with raw_server(silent) as server, outbound_client(timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{server.port}/")


async def test_https_proxy_variables_are_honoured_and_no_proxy_bypasses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def proxy_answer(head: bytes, body: bytes) -> bytes:
        return response("200 OK", b'{"via": "proxy"}', "Content-Type: application/json")

    async with raw_server(proxy_answer) as proxy, raw_server(json_answer) as teams:
        port = teams.port
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with outbound_client() as http:
            answer = await http.get(f"http://127.0.0.1:{port}/v3/teams/1")
        assert answer.json() == {"via": "proxy"}
        assert proxy.heads[0].startswith(f"GET http://127.0.0.1:{port}/v3/teams/1 ".encode())
        assert teams.heads == []

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with outbound_client() as http:
            answer = await http.get(f"http://127.0.0.1:{port}/v3/teams/1")
        assert answer.json() == {"id": "1:abc"}
        assert len(proxy.heads) == 1
