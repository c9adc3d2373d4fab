"""bench/search: the message extension's search invoke at 100,000 codemarks, full-text index vs a
plain LIKE, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

One command: `.venv/bin/python bench/search/run.py [--pg URL] [--codemarks 100000]`.

Per backend: a fresh database (SQLite in a temporary directory; PostgreSQL in a fresh schema
`bench_search`), migrated; one CodeStream team of `--codemarks` codemarks written straight into
its tables (title, text and tags from a Zipf-distributed vocabulary of 3,000 made-up words, one
marker each in one of 2,000 files), with their search rows as the storage writes them
(`domain/search.document`); Ada, a member, linked from Teams. Then the Teams emulator's compose
box sends `composeExtension/query` invokes from Ada (signed, through our bot endpoint, our app
in this process over an ASGI transport), a page of 25, for four kinds of query: a common word,
a rare word, two words, and a file path. Measured: the invoke's answer time as the emulator sees
it (p50/p99 over `--rounds` rounds of each query), and the storage search alone (`Services.read`
of `search_codemarks`).

Baseline, same run, same queries: the storage's search replaced (in this process only) by a plain
`LIKE '%word%'` over title, text, the markers' files and the tags, every word required, newest
first, the same page. Writes bench/results/search-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from codestream.config import config_from_document, new_document
from codestream.domain.ids import new_id
from codestream.domain.models import Codemark, User
from codestream.domain.ports import UnitOfWork
from codestream.domain.search import CodemarkSearch, document
from codestream.domain.services import Services
from codestream.domain.services import msteams_links as links
from codestream.passwords import Argon2Hasher
from codestream.storage import codemarks as storage_codemarks
from codestream.storage.engine import create_engine, create_sync_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.tables import codemark_search, codemark_tags, codemarks, markers
from codestream.web.app import create_app
from teams_emulator import RunningEmulator, Scene, run_emulator, scene

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = HERE.parent / "results"
PG_SCHEMA = "bench_search"
BASE = "http://bench"
PASSWORD = "correct horse battery 7"
VOCABULARY = 3_000
FILES = 2_000
BATCH = 5_000
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "da", "gu", "ze", "bri", "on")


def _vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda w: (len(w), w))


class Corpus:
    """Made-up codemarks: Zipf-distributed words, a file per codemark, a few tags."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = _vocabulary(self.rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.files = [
            f"src/{self.rng.choice(self.words)}/{self.rng.choice(self.words)}_{n}.py"
            for n in range(FILES)
        ]
        self.tags = self.words[100:130]

    def text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=self.rng.randint(low, high)))

    def queries(self) -> dict[str, str]:
        """The four kinds of query, picked from the corpus."""
        return {
            "common word": self.words[3],
            "rare word": self.words[1500],
            "two words": f"{self.words[10]} {self.words[200]}",
            "file path": self.files[123].split("/", 1)[1],
        }


def _load(url: str, team_id: str, creator_id: str, count: int, corpus: Corpus) -> float:
    """Write `count` codemarks (and their markers, tags and search rows) into the team; seconds."""
    started = time.perf_counter()
    engine = create_sync_engine(url)
    start_ms = int(time.time() * 1000) - count * 1000
    try:
        for first in range(0, count, BATCH):
            rows, marker_rows, tag_rows, search_rows = [], [], [], []
            for n in range(first, min(first + BATCH, count)):
                codemark_id = new_id(start_ms + n * 1000)
                title = corpus.text(3, 7)
                text = corpus.text(15, 60)
                file = corpus.rng.choice(corpus.files)
                tags = corpus.rng.sample(corpus.tags, corpus.rng.randint(0, 2))
                at = start_ms + n * 1000
                rows.append(
                    {
                        "id": codemark_id,
                        "team_id": team_id,
                        "creator_id": creator_id,
                        "type": "comment",
                        "title": title,
                        "text": text,
                        "status": "open",
                        "origin": "api",
                        "num_replies": 0,
                        "created_at": at,
                        "modified_at": at,
                        "deactivated": False,
                    }
                )
                marker_rows.append(
                    {
                        "id": new_id(at),
                        "codemark_id": codemark_id,
                        "position": 0,
                        "file": file,
                        "line_start": 1,
                        "line_end": 3,
                        "code": "pass",
                    }
                )
                tag_rows += [
                    {"codemark_id": codemark_id, "tag": tag, "position": i}
                    for i, tag in enumerate(tags)
                ]
                search_rows.append(
                    {
                        "codemark_id": codemark_id,
                        "team_id": team_id,
                        "words": document(title, text, tags, [file], []),
                    }
                )
            with engine.begin() as conn:
                conn.execute(codemarks.insert(), rows)
                conn.execute(markers.insert(), marker_rows)
                if tag_rows:
                    conn.execute(codemark_tags.insert(), tag_rows)
                conn.execute(codemark_search.insert(), search_rows)
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _like_search() -> Callable[..., Any]:
    """The baseline: the same page by `LIKE '%word%'` on the codemark's own columns."""

    async def search(self: Any, query: CodemarkSearch) -> list[Codemark]:
        conditions: list[sa.ColumnElement[bool]] = [
            codemarks.c.team_id.in_(query.team_ids),
            codemarks.c.deactivated.is_(False),
        ]
        for word in query.words:
            pattern = f"%{word}%"
            conditions.append(
                sa.or_(
                    codemarks.c.title.ilike(pattern),
                    codemarks.c.text.ilike(pattern),
                    sa.exists().where(
                        markers.c.codemark_id == codemarks.c.id, markers.c.file.ilike(pattern)
                    ),
                    sa.exists().where(
                        codemark_tags.c.codemark_id == codemarks.c.id,
                        codemark_tags.c.tag.ilike(pattern),
                    ),
                )
            )
        statement = (
            codemarks.select()
            .where(*conditions)
            .order_by(codemarks.c.id.desc())
            .limit(query.count)
            .offset(query.skip)
        )
        rows = list(await self._conn.execute(statement))
        found: list[Codemark] = await self._assemble(rows)
        return found

    return search


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _measure(
    emu: RunningEmulator,
    cast: Scene,
    services: Services,
    user: User,
    queries: dict[str, str],
    rounds: int,
) -> dict[str, Any]:
    """The invoke and the storage search, for each query, `rounds` times, interleaved."""
    driver = emu.driver
    chat = emu.emulator.world.conversations[cast.channel.id]
    invoke: dict[str, list[float]] = {kind: [] for kind in queries}
    storage: dict[str, list[float]] = {kind: [] for kind in queries}
    hits: dict[str, int] = {}

    async def read(uow: UnitOfWork, text: str) -> list[Codemark]:
        return await services.codemarks.search_codemarks(uow, user, text)

    for _ in range(rounds):
        for kind, text in queries.items():
            answer = await driver.compose.search(chat, cast.alice, text, bot=cast.bot)
            assert answer.kind in ("result", "message"), answer
            invoke[kind].append(answer.elapsed)
            hits[kind] = len(answer.attachments)
            started = time.perf_counter()
            await services.read(read, text)
            storage[kind].append(time.perf_counter() - started)
    every_invoke = [s for samples in invoke.values() for s in samples]
    every_storage = [s for samples in storage.values() for s in samples]
    return {
        "invoke": {"all": _quantiles(every_invoke)}
        | {kind: _quantiles(s) for kind, s in invoke.items()},
        "storage": {"all": _quantiles(every_storage)}
        | {kind: _quantiles(s) for kind, s in storage.items()},
        "results_on_first_page": hits,
    }


async def run(url: str, backend: str, count: int, rounds: int) -> dict[str, Any]:
    """Load, then measure the full-text search and the LIKE baseline on one database."""
    corpus = Corpus()
    async with run_emulator() as emu:
        cast = scene(
            emu.emulator, users=["Ada"], bot_endpoint=f"{BASE}/no-auth/provider-action/msteams"
        )
        doc = new_document("https://codestream.example.com")
        doc["integrations"] = {"msteams": {"bench": emu.msteams_block(cast.bot)}}
        config = config_from_document(doc, environ={"CS_DATABASE_URL": url})
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(url)
        hasher = Argon2Hasher(time_cost=1, memory_cost=8192)
        async with httpx.AsyncClient(timeout=30) as http:
            app = create_app(config, engine=engine, http=http, migrate=False, hasher=hasher)
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30) as client,
                app.router.lifespan_context(app),
            ):
                emu.driver.use_client(client)
                services: Services = app.state.ctx.services
                user = await services.sign_up(
                    email="ada@example.com", password=PASSWORD, full_name="Ada"
                )
                login = await client.post(
                    "/api/v1/login", json={"email": user.email, "password": PASSWORD}
                )
                client.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"
                team = (await client.post("/api/v1/teams", json={"name": "Bench"})).json()
                await emu.driver.install_bot_personal(cast.bot, cast.alice)
                await services.write(
                    links.link,
                    tenant_id=cast.tenant.id,
                    teams_user_id=cast.alice.id,
                    aad_object_id=cast.alice.aad_object_id,
                    user=user,
                    team_ids=[team["id"]],
                    now=int(time.time() * 1000),
                )
                loaded = await asyncio.to_thread(_load, url, team["id"], user.id, count, corpus)
                print(f"{backend}: {count:,} codemarks loaded in {loaded:.1f} s", flush=True)
                queries = corpus.queries()
                full_text = await _measure(emu, cast, services, user, queries, rounds)
                original = storage_codemarks.SqlCodemarks.search
                storage_codemarks.SqlCodemarks.search = _like_search()  # type: ignore[method-assign]
                try:
                    like = await _measure(emu, cast, services, user, queries, rounds)
                finally:
                    storage_codemarks.SqlCodemarks.search = original  # type: ignore[method-assign]
        await engine.dispose()
    return {
        "backend": backend,
        "codemarks": count,
        "rounds": rounds,
        "load_s": round(loaded, 1),
        "queries": queries,
        "full_text": full_text,
        "like": like,
    }


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | query | invoke p50 / p99, full-text | invoke p50 / p99, LIKE | "
        "storage p50 / p99, full-text | storage p50 / p99, LIKE | hits (page of 25) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        for kind in ["all", *row["queries"]]:
            fi, li = row["full_text"]["invoke"][kind], row["like"]["invoke"][kind]
            fs, ls = row["full_text"]["storage"][kind], row["like"]["storage"][kind]
            hits = row["full_text"]["results_on_first_page"].get(kind, "")
            lines.append(
                f"| {row['backend']} | {kind} | {fi['p50_ms']} / {fi['p99_ms']} ms | "
                f"{li['p50_ms']} / {li['p99_ms']} ms | {fs['p50_ms']} / {fs['p99_ms']} ms | "
                f"{ls['p50_ms']} / {ls['p99_ms']} ms | {hits} |"
            )
    return "\n".join(lines)


def _pg_schema(url: str, *, create: bool) -> None:
    """Drop the benchmark's schema, and with `create` make it afresh."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        if create:
            conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("CS_BENCH_PG_URL"), help="PostgreSQL URL")
    parser.add_argument("--codemarks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=25, help="times each query is sent")
    args = parser.parse_args()
    load = os.getloadavg()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(await run(f"sqlite:///{tmp}/search.db", "sqlite", args.codemarks, args.rounds))
    if args.pg:
        _pg_schema(args.pg, create=True)
        try:
            separator = "&" if "?" in args.pg else "?"
            url = f"{args.pg}{separator}options=-csearch_path%3D{PG_SCHEMA}"
            rows.append(await run(url, "postgresql", args.codemarks, args.rounds))
        finally:
            _pg_schema(args.pg, create=False)
    print(_table(rows))
    print(f"load average (1/5/15 min) at start {load}, at end {os.getloadavg()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average_at_start": load,
                "load_average_at_end": os.getloadavg(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
