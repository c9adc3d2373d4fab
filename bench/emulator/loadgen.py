"""A small keep-alive HTTP/1.1 load generator (used when `wrk` is not installed).

Run as a separate process: `python loadgen.py URL SECONDS CONNECTIONS [METHOD] [BODY] [TOKEN]`;
prints one JSON line with requests, seconds, non-2xx and latency percentiles.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def _worker(
    host: str, port: int, request: bytes, until: float, latencies: list[float], bad: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.split(b" ")[1].startswith(b"2"):
                bad.append(1)
    finally:
        writer.close()


async def run(
    url: str, seconds: float, connections: int, method: str, body: str, token: str
) -> dict[str, float]:
    """Hammer `url` for `seconds` with `connections` keep-alive connections."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    payload = body.encode()
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(payload)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + payload
    latencies: list[float] = []
    bad: list[int] = []
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _worker(parts.hostname or "127.0.0.1", parts.port or 80, request, until, latencies, bad)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0.0
        )

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "non2xx": len(bad),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


if __name__ == "__main__":
    url, seconds, connections = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    method = sys.argv[4] if len(sys.argv) > 4 else "GET"
    body = sys.argv[5] if len(sys.argv) > 5 else ""
    token = sys.argv[6] if len(sys.argv) > 6 else ""
    print(json.dumps(asyncio.run(run(url, seconds, connections, method, body, token))))
