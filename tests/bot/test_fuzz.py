"""Fuzzing the messaging endpoint over HTTP: nothing a client sends may produce a 5xx.

One world serves every example: the emulator and our app each run in a server thread, so the
examples can be plain synchronous requests (Hypothesis and function-scoped fixtures don't mix).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from support.bots import bot_config
from support.databases import sqlite_copy
from support.servers import free_port, serve_in_thread
from teams_emulator import Emulator, RunningEmulator, scene

pytestmark = pytest.mark.slow
FUZZ = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class FuzzWorld:
    emulator: Emulator
    client: httpx.Client
    app_id: str
    service_url: str

    def token(self) -> str:
        return self.emulator.channel_tokens.mint(self.app_id, self.service_url)


@pytest.fixture(scope="module")
def fuzz_world(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    """The emulator and our app (SQLite: these requests never reach the database)."""
    port = free_port()
    running = RunningEmulator.of(Emulator(base_url=f"http://127.0.0.1:{port}"))
    emulator = running.emulator
    cast = scene(emulator)
    tenant, bot = cast.tenant, cast.bot
    with serve_in_thread(running.app, port):
        url = sqlite_copy(_sqlite_template, tmp_path_factory.mktemp("fuzz"))
        app = create_app(bot_config(running, bot, url), migrate=False)
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=20) as client:
            world = FuzzWorld(emulator, client, bot.app_id, emulator.service_url(tenant))
            assert _post(world, _activity(world), world.token()).status_code == 200
            yield world


def _activity(world: FuzzWorld, **fields: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": world.service_url,
        "conversation": {"id": "19:x@thread.tacv2"},
        "from": {"id": "29:u"},
        "text": "hi",
    }
    activity.update(fields)
    return activity


def _post(
    world: FuzzWorld, body: Any, token: str | None, raw: bytes | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    content = raw if raw is not None else json.dumps(body, allow_nan=True).encode()
    return world.client.post(PATH, content=content, headers=headers)


def _assert_no_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "type",
    "id",
    "channelId",
    "serviceUrl",
    "conversation",
    "from",
    "recipient",
    "text",
    "value",
    "name",
    "channelData",
    "entities",
    "timestamp",
    "replyToId",
    "membersAdded",
]


@FUZZ
@given(data=st.data())
def test_random_activities_never_produce_a_5xx(fuzz_world: FuzzWorld, data: st.DataObject) -> None:
    shape = data.draw(st.sampled_from(["mutated", "any json", "bytes"]))
    if shape == "mutated":
        changes = data.draw(st.dictionaries(st.sampled_from(FIELDS), junk, max_size=5))
        body: Any = _activity(fuzz_world, **changes)
        for name in data.draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
            body.pop(name, None)
        if not isinstance(body.get("serviceUrl"), str):
            body["serviceUrl"] = fuzz_world.service_url
        response = _post(fuzz_world, body, fuzz_world.token())
    elif shape == "any json":
        response = _post(fuzz_world, data.draw(junk), fuzz_world.token())
    else:
        raw = data.draw(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
        response = _post(fuzz_world, None, fuzz_world.token(), raw=raw)
    _assert_no_5xx(response)


header_text = (
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=300)
    .map(str.strip)
    .filter(bool)
)


@FUZZ
@given(data=st.data())
def test_random_authorization_headers_never_produce_a_5xx(
    fuzz_world: FuzzWorld, data: st.DataObject
) -> None:
    valid = fuzz_world.token()
    header = data.draw(
        header_text
        | header_text.map(lambda t: f"Bearer {t}")
        | st.integers(0, len(valid) - 1).map(lambda i: f"Bearer {valid[:i]}")
        | st.tuples(st.integers(0, len(valid) - 1), st.sampled_from("AQw-_.=")).map(
            lambda p: f"Bearer {valid[: p[0]]}{p[1]}{valid[p[0] + 1 :]}"
        )
    )
    response = fuzz_world.client.post(
        PATH,
        content=json.dumps(_activity(fuzz_world)).encode(),
        headers={"Content-Type": "application/json", "Authorization": header.strip() or "x"},
    )
    _assert_no_5xx(response)
    assert response.status_code in (200, 401)
