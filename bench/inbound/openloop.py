"""Open-loop load: POST activities at a fixed rate and time each from its *scheduled* start.

wrk is a closed loop: when the server stalls, wrk stops sending, and the stall shows as one slow
request instead of every request that should have been sent meanwhile (coordinated omission).
Here request i is due at `start + i / rate` whatever happened before; its latency runs from that
moment to the last byte of the answer, so time spent waiting for a free connection or behind a slow
request counts. Connections are HTTP/1.1 keep-alive, opened on demand up to `--max-connections`.
Requests not answered by `--grace` seconds after the last one was due, and requests dropped because
more than `--max-backlog` were already waiting, count as failures and as infinitely slow. Prints
one JSON object.

Usage: openloop.py --url URL --rate 1000 --seconds 10 --template FILE --token T --id-prefix P
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PLACEHOLDER = "ACTIVITY_ID"


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> int:
        """Send one request, read the whole answer; the status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        """Drop the connection."""
        self.writer.close()


class Pool:
    """Idle connections, and new ones opened while under the cap."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host = host
        self.port = port
        self.limit = limit
        self.opened = 0
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()

    async def get(self) -> Connection:
        """An idle connection, a new one, or the next one freed."""
        if self.idle.empty() and self.opened < self.limit:
            self.opened += 1
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self.opened -= 1
                raise
            return Connection(reader, writer)
        return await self.idle.get()

    def put(self, connection: Connection) -> None:
        """Return a healthy connection."""
        self.idle.put_nowait(connection)

    def discard(self, connection: Connection) -> None:
        """Forget a broken connection."""
        self.opened -= 1
        connection.close()


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (inf when it falls on an unanswered request)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def run(args: argparse.Namespace, template: str) -> dict[str, Any]:
    """Send the schedule and collect latencies."""
    url = urlsplit(args.url)
    host = url.hostname or "127.0.0.1"
    port = url.port or 80
    path = url.path or "/"
    head_text, tail_text = template.split(PLACEHOLDER)
    head_bytes = head_text.encode()
    tail_bytes = tail_text.encode()
    length = len(head_bytes) + len(tail_bytes) + len(args.id_prefix) + 9
    request_head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json; charset=utf-8\r\n"
        f"Authorization: Bearer {args.token}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()
    prefix = args.id_prefix.encode()
    pool = Pool(host, port, args.max_connections)
    opened = [await pool.get() for _ in range(min(args.preopen, args.max_connections))]
    for connection in opened:  # no connect cost in the first milliseconds
        pool.put(connection)
    total = int(args.rate * args.seconds)
    latencies: list[float] = [math.inf] * total
    statuses: dict[str, int] = {}
    lag_max = 0.0
    clock = time.perf_counter  # uvloop's loop.time() only has millisecond resolution

    async def one(i: int, due: float) -> None:
        body = head_bytes + prefix + b"%09d" % i + tail_bytes
        connection = None
        try:
            connection = await pool.get()
            status = await connection.exchange(request_head + body)
        except Exception as exc:  # a broken connection: count it, keep going
            if connection is not None:
                pool.discard(connection)
            statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
            return
        pool.put(connection)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if 200 <= status < 300:
            done = clock()
            latencies[i] = done - due
            last_answer[0] = max(last_answer[0], done)

    last_answer = [0.0]
    dropped = 0
    pending: set[asyncio.Future[None]] = set()
    start = clock() + 0.05
    for i in range(total):
        due = start + i / args.rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        lag_max = max(lag_max, clock() - due)
        if len(pending) >= args.max_backlog:  # hopelessly behind: count it, don't queue it
            dropped += 1
            continue
        task = asyncio.ensure_future(one(i, due))
        pending.add(task)
        task.add_done_callback(pending.discard)  # a long soak keeps only what is in flight
    sent_for = clock() - start
    if pending:
        await asyncio.wait(set(pending), timeout=args.grace)
    unanswered = len(pending)
    for task in list(pending):
        task.cancel()
    ordered = sorted(latencies)
    ok = sum(1 for value in latencies if value != math.inf)

    def ms(value: float) -> float | None:
        return None if math.isinf(value) or math.isnan(value) else round(value * 1000, 3)

    return {
        "rate": args.rate,
        "seconds": args.seconds,
        "scheduled": total,
        "ok": ok,
        "errors": total - ok,
        "unanswered": unanswered,
        "dropped": dropped,
        "statuses": statuses,
        "connections": pool.opened,
        "send_seconds": round(sent_for, 3),
        "achieved_rps": round(ok / max(sent_for, last_answer[0] - start, 1e-9), 1),
        "generator_lag_max_ms": round(lag_max * 1000, 3),
        "p50_ms": ms(percentile(ordered, 0.50)),
        "p90_ms": ms(percentile(ordered, 0.90)),
        "p99_ms": ms(percentile(ordered, 0.99)),
        "p999_ms": ms(percentile(ordered, 0.999)),
        "max_ms": ms(ordered[-1]) if ordered else None,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--template", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--id-prefix", required=True)
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument("--preopen", type=int, default=16)
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument(
        "--max-backlog",
        type=int,
        default=5000,
        help="requests in flight or waiting for a connection; past it a due request is dropped "
        "(counted as an error) so an overloaded server can't exhaust the generator's memory",
    )
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    started = time.time()
    result = asyncio.run(run(args, Path(args.template).read_text()))
    result["wall_seconds"] = round(time.time() - started, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
