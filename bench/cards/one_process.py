"""bench/cards in its earlier layout, for comparison (`run.py --one-process`): the client, our app
(REST API, bot endpoint, its in-process delivery worker, over an ASGI transport) and the Teams
emulator all in one process on one event loop, so the emulator's and the client's work are
charged to the worker's latency. Same scenarios and definitions as `run.py`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any
from urllib.parse import unquote

import httpx

from codestream.config import config_from_document, new_document
from codestream.delivery.pacing import (
    CARD_UPDATE,
    PER_CONVERSATION,
    PER_TENANT,
    earliest,
    lower_bound_ms,
)
from codestream.domain.services import msteams_channels
from codestream.passwords import Argon2Hasher
from codestream.storage.engine import create_engine
from codestream.storage.migrate import upgrade_database
from codestream.storage.uow import SqlUnitOfWorkFactory
from codestream.teams.cards import CONTENT_TYPE
from codestream.web.app import create_app
from teams_emulator import Message, RunningEmulator, Scene, run_emulator, scene

CHANNELS = 20
CHANGES = 500
BURST_S = 5.0
LATENCY_SAMPLES = 20
PASSWORD = "correct horse battery 7"
BASE = "http://bench"


def _card(emu: RunningEmulator, channel_id: str) -> Message:
    conversation = emu.emulator.world.conversations[channel_id]
    (root,) = [m for m in conversation.messages.values() if m.from_bot and m.thread_root == m.id]
    return root


def _shows(message: Message, text: str) -> bool:
    return any(
        text in json.dumps(a.get("content"))
        for a in message.attachments
        if a.get("contentType") == CONTENT_TYPE
    )


async def _until(check: Any, wait: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return bool(check())


async def _world(emu: RunningEmulator, url: str, client: httpx.AsyncClient, app: Any) -> str:
    """Ada's team, its codemark shared to the 20 channels and sent; the codemark's id."""
    services = app.state.ctx.services
    user = await services.sign_up(email="ada@example.com", password=PASSWORD, full_name="Ada")
    login = await client.post("/api/v1/login", json={"email": user.email, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"
    team = (await client.post("/api/v1/teams", json={"name": "Bench"})).json()
    cast: Scene = app.state.bench_cast
    async with SqlUnitOfWorkFactory(app.state.bench_engine)() as uow:
        cs_team = await uow.teams.get(team["id"])
        assert cs_team is not None
        for channel in cast.channels:
            await msteams_channels.connect(
                uow, channel_id=channel.id, user=user, teams=[cs_team], now=int(time.time() * 1000)
            )
        await uow.commit()
    codemark = (
        await client.post(
            "/api/v1/codemarks",
            json={"teamId": team["id"], "type": "issue", "title": "v0", "text": "Rounding."},
        )
    ).json()
    shared = await client.post(
        f"/api/v1/codemarks/{codemark['id']}/shares",
        json={"provider": "msteams", "channelIds": [c.id for c in cast.channels]},
    )
    assert shared.status_code == 202, shared.text
    sent = await _until(
        lambda: all(
            any(m.from_bot for m in emu.emulator.world.conversations[c.id].messages.values())
            for c in cast.channels
        ),
        30,
    )
    assert sent, "the cards did not arrive"
    await asyncio.sleep(1.2)  # let the cards' first update window pass
    return str(codemark["id"])


def _calls(emu: RunningEmulator, route: str) -> list[Any]:
    return list(emu.emulator.transcript.query(route=route))


def _bound(emu: RunningEmulator, cast: Scene, last_change: float) -> float:
    """When, at the soonest, the last card's final update could go under the windows, given
    the calls made before `last_change`; seconds after `last_change`."""
    before = [c for c in emu.emulator.transcript.query() if c.time <= last_change]
    tenant = sorted(int(c.time * 1000) for c in before if c.direction == "bot_to_teams")
    at = int(last_change * 1000)
    worst = at
    for channel in cast.channels:
        card = _card(emu, channel.id)
        in_channel = sorted(int(c.time * 1000) for c in before if channel.id in unquote(c.url))
        of_card = sorted(
            int(c.time * 1000)
            for c in before
            if c.route == "update_activity" and c.url.endswith(f"/activities/{card.id}")
        )
        soonest = max(
            earliest(of_card, CARD_UPDATE, at, 0),
            earliest(in_channel, PER_CONVERSATION, at, 0),
            earliest(tenant, PER_TENANT, at, 0),
        )
        worst = max(worst, soonest)
    return (worst - at) / 1000


async def run(url: str, backend: str) -> list[dict[str, Any]]:
    """Both scenarios on one database."""
    async with run_emulator(transcript_limit=1_000_000) as emu:
        cast = scene(
            emu.emulator,
            users=["Ada"],
            channels=[f"ch{i}" for i in range(CHANNELS)],
            bot_endpoint=f"{BASE}/no-auth/provider-action/msteams",
        )
        doc = new_document("https://codestream.example.com")
        doc["integrations"] = {"msteams": {"bench": emu.msteams_block(cast.bot)}}
        config = config_from_document(doc, environ={"CS_DATABASE_URL": url})
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(url)
        hasher = Argon2Hasher(time_cost=1, memory_cost=8192)
        async with httpx.AsyncClient(timeout=30) as http:
            app = create_app(config, engine=engine, http=http, migrate=False, hasher=hasher)
            app.state.bench_cast, app.state.bench_engine = cast, engine
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30) as client,
                app.router.lifespan_context(app),
            ):
                emu.driver.use_client(client)
                await emu.driver.install_bot(cast.bot, cast.team, by=cast.alice)
                codemark_id = await _world(emu, url, client, app)
                rows = [await _burst(emu, cast, client, codemark_id, backend)]
                rows.append(await _latency(emu, cast, client, codemark_id, backend))
        await engine.dispose()
        return rows


async def _burst(
    emu: RunningEmulator, cast: Scene, client: httpx.AsyncClient, codemark_id: str, backend: str
) -> dict[str, Any]:
    updates_before = len(_calls(emu, "update_activity"))
    answered: list[float] = []

    async def change(body: dict[str, Any]) -> None:
        sent = time.time()
        answer = await client.patch(f"/api/v1/codemarks/{codemark_id}", json=body)
        assert answer.status_code == 200, answer.text
        answered.append(time.time() - sent)

    started = time.time()
    changes: list[asyncio.Task[None]] = []
    for n in range(1, CHANGES):  # open loop: on schedule, whatever the answers
        wait = started + (n - 1) * BURST_S / (CHANGES - 1) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        changes.append(asyncio.create_task(change({"title": f"v{n}"})))
    await asyncio.gather(*changes)
    await change({"title": "final", "status": "closed"})  # the last change, after all others
    last_change = time.time()
    cards = [_card(emu, c.id) for c in cast.channels]
    done = await _until(
        lambda: all(_shows(m, '"final"') and _shows(m, "Resolved") for m in cards), 60, 0.01
    )
    await asyncio.sleep(1.5)  # nothing more should follow
    updated_at = max(float(m.updated or 0) for m in cards)
    calls = _calls(emu, "update_activity")[updates_before:]
    per_card = [sum(1 for c in calls if c.url.endswith(f"/activities/{m.id}")) for m in cards]
    bound = _bound(emu, cast, last_change)
    measured = updated_at - last_change
    naive_bound = max(
        lower_bound_ms(CHANGES, PER_CONVERSATION), lower_bound_ms(CHANGES * CHANNELS, PER_TENANT)
    )
    ordered = sorted(answered)
    return {
        "scenario": f"burst: {CHANGES} changes in {BURST_S:g} s, {CHANNELS} cards",
        "backend": backend,
        "all_final": done,
        "burst_s": round(last_change - started, 3),
        "patch_p50_ms": round(statistics.median(ordered) * 1000, 1),
        "patch_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "updates_per_card_min": min(per_card),
        "updates_per_card_max": max(per_card),
        "updates_per_card_mean": round(statistics.mean(per_card), 2),
        "429s": len(emu.emulator.transcript.query(status=429)),
        "last_change_to_last_card_s": round(measured, 3),
        "pacing_bound_s": round(bound, 3),
        "vs_bound": round(measured / bound, 3) if bound > 0 else None,
        "over_bound_ms": round((measured - bound) * 1000, 1),
        "baseline_uncoalesced_calls_per_card": CHANGES,
        "baseline_uncoalesced_drain_bound_s": round(naive_bound / 1000, 1),
    }


async def _latency(
    emu: RunningEmulator, cast: Scene, client: httpx.AsyncClient, codemark_id: str, backend: str
) -> dict[str, Any]:
    cards = [_card(emu, c.id) for c in cast.channels]
    samples: list[float] = []
    patch_ms: list[float] = []
    held_back = 0.0
    for n in range(LATENCY_SAMPLES):
        await asyncio.sleep(1.1)  # past every card's window: nothing throttles this change
        title = f'"latency {n}"'.encode()
        mark = len(_calls(emu, "update_activity"))
        sent = time.time()
        held_back = max(held_back, _bound(emu, cast, sent))
        answer = await client.patch(
            f"/api/v1/codemarks/{codemark_id}", json={"title": f"latency {n}"}
        )
        patch_ms.append((time.time() - sent) * 1000)
        assert answer.status_code == 200, answer.text
        # A cheap look while waiting (the emulator shares this event loop); the figures come
        # from the transcript afterwards.
        await _until(lambda at=sent: all((m.updated or 0) >= at for m in cards), 10, 0.005)
        stored = {
            c.url.rsplit("/", 1)[1]: c.time
            for c in _calls(emu, "update_activity")[mark:]
            if c.status == 200 and title in c.request_body
        }
        assert len(stored) == len(cards), f"change {n} reached {len(stored)} cards"
        samples.extend(at - sent for at in stored.values())
    ordered = sorted(samples)
    firsts = [min(samples[i : i + CHANNELS]) for i in range(0, len(samples), CHANNELS)]
    return {
        "scenario": f"latency: one change, {CHANNELS} cards, unthrottled",
        "backend": backend,
        "samples": len(samples),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "first_card_p50_ms": round(statistics.median(firsts) * 1000, 1),
        "patch_p50_ms": round(statistics.median(patch_ms), 1),
        "pacing_held_back_s": held_back,
        "measured": "PATCH sent -> the emulator stored the card (transcript time)",
        "target": "p50 < 50 ms",
    }
