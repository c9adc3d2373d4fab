"""Malformed and hostile input: every endpoint answers a clear 4xx in JSON and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from codestream.config import Config
from support.api import open_registration_config
from support.world import World, assert_error


@pytest.fixture
def config(database_url: str) -> Config:
    """Self-registration turned on: bad input to `POST /api/v1/users` is tested here too."""
    return open_registration_config(database_url)


BIG = 2**64 + 1
Call = Callable[[], Awaitable[httpx.Response]]
ONE_MIB = 1024 * 1024


@dataclass
class Endpoint:
    """A route that takes a JSON body, with a valid body and the wrong values for its fields."""

    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    who: str = "alice"  # whose token to send; "" for none
    required: tuple[str, ...] = ()
    wrong: dict[str, list[Any]] = field(default_factory=dict)

    def headers(self, world: World) -> dict[str, str]:
        return getattr(world, self.who).headers if self.who else {}


NOT_A_STRING: list[Any] = [123, 1.5, True, [], {}, None]
NOT_A_LIST: list[Any] = ["x", 1, {}, None, [1], [None]]

ENDPOINTS = {
    "sign_up": Endpoint(
        "POST",
        lambda w: "/api/v1/users",
        lambda w: {
            "email": "new@example.com",
            "password": "long enough",
            "fullName": "New",
            "username": "newbie",
        },
        who="",
        required=("email", "password"),
        wrong={"email": NOT_A_STRING, "password": NOT_A_STRING, "fullName": [1, [], {}]},
    ),
    "log_in": Endpoint(
        "POST",
        lambda w: "/api/v1/login",
        lambda w: {"email": w.alice.email, "password": "correct horse 1"},
        who="",
        required=("email", "password"),
        wrong={"email": NOT_A_STRING, "password": NOT_A_STRING},
    ),
    "create_token": Endpoint(
        "POST",
        lambda w: "/api/v1/tokens",
        lambda w: {"name": "ci"},
        wrong={"name": [*NOT_A_STRING, ""]},
    ),
    "create_team": Endpoint(
        "POST",
        lambda w: "/api/v1/teams",
        lambda w: {"name": "Team C"},
        required=("name",),
        wrong={"name": [*NOT_A_STRING, "", "x" * 201]},
    ),
    "add_member": Endpoint(
        "POST",
        lambda w: f"/api/v1/teams/{w.team['id']}/members",
        lambda w: {"user": w.carol.email, "admin": False},
        required=("user",),
        wrong={"user": NOT_A_STRING, "admin": ["maybe", 2, [], {}]},
    ),
    "add_repo": Endpoint(
        "POST",
        lambda w: f"/api/v1/teams/{w.team['id']}/repos",
        lambda w: {"remotes": ["https://gitlab.com/acme/new.git"], "name": "new"},
        required=("remotes",),
        wrong={"remotes": [*NOT_A_LIST, []], "name": [1, [], {}]},
    ),
    "create_codemark": Endpoint(
        "POST",
        lambda w: "/api/v1/codemarks",
        lambda w: {
            "teamId": w.team["id"],
            "type": "issue",
            "title": "T",
            "text": "X",
            "tags": ["t"],
            "assignees": [w.bob.id],
            "markers": [{"file": "a.py", "lineStart": 1, "lineEnd": 2, "code": "x = 1"}],
        },
        required=("teamId",),
        wrong={
            "teamId": NOT_A_STRING,
            "type": ["note", 1, None, []],
            "title": [1, [], {}],
            "text": [1, [], {}],
            "tags": NOT_A_LIST,
            "assignees": NOT_A_LIST,
            "markers": ["x", 1, {}, [1], [{}], [{"file": "a.py"}]],
        },
    ),
    "change_codemark": Endpoint(
        "PATCH",
        lambda w: f"/api/v1/codemarks/{w.codemark['id']}",
        lambda w: {"status": "closed", "title": "New title"},
        wrong={
            "status": ["done", 1, [], {}],
            "title": [1, [], {}],
            "text": [1, [], {}],
            "assignees": ["x", 1, {}, [1]],
            "tags": ["x", 1, {}, [1]],
        },
    ),
    "add_reply": Endpoint(
        "POST",
        lambda w: f"/api/v1/codemarks/{w.codemark['id']}/replies",
        lambda w: {"text": "Thanks!"},
        who="bob",
        required=("text",),
        wrong={"text": [*NOT_A_STRING, ""]},
    ),
}


async def _unchanged(world: World, before: dict[str, Any]) -> None:
    assert await world.snapshot() == before
    # No account was made by a refused sign-up.
    login = await world.client.post(
        "/api/v1/login", json={"email": "new@example.com", "password": "long enough"}
    )
    assert_error(login, 401)


async def _send(
    world: World, endpoint: Endpoint, *, content: bytes, content_type: str | None
) -> httpx.Response:
    headers = endpoint.headers(world)
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    return await world.client.request(
        endpoint.method, endpoint.path(world), content=content, headers=headers
    )


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
async def test_it_refuses_bad_bodies_on_every_endpoint_and_changes_nothing(
    world: World, name: str
) -> None:
    endpoint = ENDPOINTS[name]
    before = await world.snapshot()
    await _refuses_what_is_not_a_json_object(world, endpoint)
    await _refuses_bodies_over_one_mebibyte(world, endpoint)
    await _refuses_missing_unknown_and_mistyped_fields(world, endpoint)
    await _refuses_nul_characters_in_every_string_field(world, endpoint)
    await _unchanged(world, before)


async def _refuses_what_is_not_a_json_object(world: World, endpoint: Endpoint) -> None:
    valid = json.dumps(endpoint.body(world)).encode()
    cases: list[tuple[bytes, str | None, int, str | None]] = [
        (b'{"name": ', "application/json", 400, "malformed_json"),
        (b"{'single': 'quotes'}", "application/json", 400, "malformed_json"),
        (b'{"text": "caf\xe9 \xff\xfe"}', "application/json", 400, "malformed_json"),
        (valid, "text/plain", 415, "unsupported_media_type"),
        (b"name=x&text=y", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (valid, "application/xml", 415, "unsupported_media_type"),
        (b"[1, 2]", "application/json", 422, "invalid_input"),
        (b'"a string"', "application/json", 422, "invalid_input"),
        (b"null", "application/json", 422, "invalid_input"),
        (b"", "application/json", 422, "invalid_input"),
        (b"", None, 422, "invalid_input"),
        (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", 422, None),
    ]
    for content, content_type, status, code in cases:
        response = await _send(world, endpoint, content=content, content_type=content_type)
        if status == 422 and code is None:
            assert response.status_code in (400, 422), (content[:40], response.text)
            assert_error(response, response.status_code, case=content[:40])
            continue
        assert_error(response, status, code, case=(content[:40], content_type))


async def _refuses_bodies_over_one_mebibyte(world: World, endpoint: Endpoint) -> None:
    huge = {**endpoint.body(world), "padding": "x" * ONE_MIB}
    response = await _send(
        world, endpoint, content=json.dumps(huge).encode(), content_type="application/json"
    )
    error = assert_error(response, 413, "payload_too_large")
    assert "1048576" in error["message"]

    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * (64 * 1024)  # streamed, no Content-Length: counted as it arrives

    streamed = await world.client.request(
        endpoint.method,
        endpoint.path(world),
        content=chunks(),
        headers={**endpoint.headers(world), "Content-Type": "application/json"},
    )
    assert_error(streamed, 413, "payload_too_large")


async def _refuses_missing_unknown_and_mistyped_fields(world: World, endpoint: Endpoint) -> None:
    valid = endpoint.body(world)
    for missing in endpoint.required:
        body = {k: v for k, v in valid.items() if k != missing}
        response = await world.client.request(
            endpoint.method, endpoint.path(world), json=body, headers=endpoint.headers(world)
        )
        error = assert_error(response, 422, "invalid_input", case=missing)
        assert missing in error["message"], error
    for unknown in ("isAdmin", "id", "creatorId", "__proto__", "team_id"):
        response = await world.client.request(
            endpoint.method,
            endpoint.path(world),
            json={**valid, unknown: "x"},
            headers=endpoint.headers(world),
        )
        error = assert_error(response, 422, "invalid_input", case=unknown)
        assert unknown in error["message"], error
    for key, values in endpoint.wrong.items():
        for value in values:
            response = await world.client.request(
                endpoint.method,
                endpoint.path(world),
                json={**valid, key: value},
                headers=endpoint.headers(world),
            )
            assert_error(response, 422, "invalid_input", case=(key, value))


def _string_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [prefix]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*prefix, i))]
    return []


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


async def _refuses_nul_characters_in_every_string_field(world: World, endpoint: Endpoint) -> None:
    valid = endpoint.body(world)
    paths = _string_paths(valid)
    assert paths
    for path in paths:
        original = _replace(valid, path, None)
        for hostile in ("a\x00b", "\x00"):
            body = _replace(original, path, hostile)
            response = await world.client.request(
                endpoint.method, endpoint.path(world), json=body, headers=endpoint.headers(world)
            )
            # 401 for log-in (no such account), 404 for ids and users that can't exist, else 422.
            assert response.status_code in (401, 404, 422), (path, response.text)
            assert_error(response, response.status_code, case=path)


SQL_TEXT = "Robert'); DROP TABLE codemarks;-- \" OR 1=1 /* %_ \\ ` $$ ;"


async def test_it_stores_sql_metacharacters_verbatim(world: World) -> None:
    c, alice = world.client, world.alice
    user = await c.post(
        "/api/v1/users",
        json={
            "email": "o.hara+%_x@example.com",
            "password": SQL_TEXT,
            "fullName": SQL_TEXT,
            "username": "a--b_c.d",
        },
    )
    assert user.status_code == 201, user.text
    assert user.json()["fullName"] == SQL_TEXT.strip()
    login = await c.post(
        "/api/v1/login", json={"email": "o.hara+%_x@example.com", "password": SQL_TEXT}
    )
    assert login.status_code == 200
    # LIKE wildcards in a lookup match only themselves.
    wildcard = await c.post(
        "/api/v1/login", json={"email": "o.hara+__x@example.com", "password": SQL_TEXT}
    )
    assert_error(wildcard, 401)

    token = await c.post("/api/v1/tokens", json={"name": SQL_TEXT}, headers=alice.headers)
    assert token.json()["name"] == SQL_TEXT.strip()
    team = await c.post("/api/v1/teams", json={"name": SQL_TEXT}, headers=alice.headers)
    assert team.json()["name"] == SQL_TEXT.strip()
    tid = team.json()["id"]
    member = await c.post(
        f"/api/v1/teams/{tid}/members", json={"user": "a--b_c.d"}, headers=alice.headers
    )
    assert member.status_code == 201
    remote = "git@github.com:acme/o'brien;--.git"
    repo = await c.post(
        f"/api/v1/teams/{tid}/repos",
        json={"remotes": [remote], "name": SQL_TEXT},
        headers=alice.headers,
    )
    assert repo.status_code == 201, repo.text
    assert repo.json()["remotes"] == [remote]
    assert repo.json()["name"] == SQL_TEXT.strip()
    file = "src/o'brien; DROP TABLE markers;--/%_.py"
    codemark = await c.post(
        "/api/v1/codemarks",
        json={
            "teamId": tid,
            "type": "question",
            "title": SQL_TEXT,
            "text": SQL_TEXT,
            "tags": ["' OR '1'='1", "%"],
            "markers": [
                {
                    "file": file,
                    "lineStart": 1,
                    "lineEnd": 1,
                    "code": SQL_TEXT,
                    "remotes": [remote],
                    "branch": "feat/'or'1'='1",
                    "language": "sql'--",
                }
            ],
        },
        headers=alice.headers,
    )
    assert codemark.status_code == 201, codemark.text
    body = codemark.json()
    assert body["title"] == body["text"] == SQL_TEXT.strip()
    assert body["tags"] == ["' OR '1'='1", "%"]
    marker = body["markers"][0]
    assert (marker["file"], marker["code"], marker["branch"], marker["language"]) == (
        file,
        SQL_TEXT,
        "feat/'or'1'='1",
        "sql'--",
    )
    reply = await c.post(
        f"/api/v1/codemarks/{body['id']}/replies", json={"text": SQL_TEXT}, headers=alice.headers
    )
    assert reply.json()["text"] == SQL_TEXT.strip()
    fetched = await c.get(f"/api/v1/codemarks/{body['id']}", headers=alice.headers)
    assert fetched.json() == {**body, "numReplies": 1, "modifiedAt": fetched.json()["modifiedAt"]}

    async def listed(**params: str) -> list[str]:
        response = await c.get(
            "/api/v1/codemarks", params={"teamId": tid, **params}, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed(tag="' OR '1'='1") == [body["id"]]
    assert await listed(tag="%") == [body["id"]]
    assert await listed(tag="' OR 1=1 --") == []
    assert await listed(tag="_") == []
    assert await listed(file=file) == [body["id"]]
    assert await listed(file="src/o'brien; DROP TABLE markers;--/__.py") == []
    # Everything else is still there.
    assert len((await world.snapshot())["codemarks"]["items"]) == 1


OUTSIDE = [
    "../../etc/passwd",
    "..",
    ".",
    "src/../../etc/passwd",
    "/etc/passwd",
    "C:\\x",
    "C:/Windows/win.ini",
    "c:x",
    "\\\\server\\share\\x",
    "a\x00b.py",
    "   ",
    "x" * 1025,
]


async def test_it_refuses_marker_files_outside_the_repository(world: World) -> None:
    before = await world.snapshot()
    for file in [*OUTSIDE, ""]:
        response = await world.client.post(
            "/api/v1/codemarks",
            json={
                "teamId": world.team["id"],
                "text": "x",
                "markers": [{"file": file, "lineStart": 1, "lineEnd": 1}],
            },
            headers=world.alice.headers,
        )
        error = assert_error(response, 422, "invalid_input", case=file)
        assert "file" in error["message"]
    for file in OUTSIDE:
        listed = await world.client.get(
            "/api/v1/codemarks",
            params={"teamId": world.team["id"], "file": file},
            headers=world.alice.headers,
        )
        assert_error(listed, 422, "invalid_input", case=file)
    assert await world.snapshot() == before


LINES: list[dict[str, Any]] = [
    {"lineStart": 0, "lineEnd": 1},
    {"lineStart": -1, "lineEnd": 1},
    {"lineStart": 5, "lineEnd": 4},
    {"lineStart": 1, "lineEnd": 10_000_001},
    {"lineStart": 2**63, "lineEnd": 2**63},
    {"lineStart": BIG, "lineEnd": BIG},
    {"lineStart": -BIG, "lineEnd": 1},
    {"lineStart": 10**400, "lineEnd": 1},
    {"lineStart": 1.5, "lineEnd": 2},
    {"lineStart": "one", "lineEnd": 2},
    {"lineStart": 1, "lineEnd": 1, "columnStart": -1},
    {"lineStart": 1, "lineEnd": 1, "columnStart": 5, "columnEnd": 2},
    {"lineStart": 1, "lineEnd": 1, "columnEnd": BIG},
]


async def test_it_refuses_impossible_line_ranges(world: World) -> None:
    before = await world.snapshot()
    for lines in LINES:
        response = await world.client.post(
            "/api/v1/codemarks",
            json={"teamId": world.team["id"], "text": "x", "markers": [{"file": "a.py", **lines}]},
            headers=world.alice.headers,
        )
        assert_error(response, 422, "invalid_input", case=lines)
    assert await world.snapshot() == before


async def test_it_refuses_hostile_query_parameters(world: World) -> None:
    base = {"teamId": world.team["id"]}
    hostile: list[dict[str, str]] = [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "101"},
        {"limit": str(BIG)},
        {"limit": "1e3"},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "a\x00"},
        {"cursor": "f" * 65},
        {"type": "note"},
        {"status": "done"},
        {"tag": "a\x00b"},
        {"tag": "x" * 51},
        {"file": "a\x00b"},
        {"file": "../x"},
        {"assignee": "a\x00b"},
        {"assignee": "bob"},
        {"creator": "' OR 1=1 --"},
        {"repoId": "\x00"},
        {"teamId": "a\x00b"},
        {"teamId": str(BIG)},
    ]
    for params in hostile:
        response = await world.client.get(
            "/api/v1/codemarks", params={**base, **params}, headers=world.alice.headers
        )
        expected = 404 if "teamId" in params else 422
        assert_error(response, expected, case=params)
    missing = await world.client.get("/api/v1/codemarks", headers=world.alice.headers)
    assert "teamId" in assert_error(missing, 422)["message"]


UNKNOWN_IDS = ["0" * 24, "f" * 24, "nope", "a%00b", "%2e%2e", "' OR '1'='1", "9" * 40]


async def test_it_answers_404_for_unknown_ids_everywhere(world: World) -> None:
    before = await world.snapshot()
    for unknown in UNKNOWN_IDS:
        await _all_404(world, unknown)
    assert await world.snapshot() == before


async def _all_404(world: World, unknown: str) -> None:
    c, h = world.client, world.alice.headers
    attempts: list[Call] = [
        lambda: c.get(f"/api/v1/teams/{unknown}", headers=h),
        lambda: c.get(f"/api/v1/teams/{unknown}/members", headers=h),
        lambda: c.post(
            f"/api/v1/teams/{unknown}/members", json={"user": world.carol.email}, headers=h
        ),
        lambda: c.get(f"/api/v1/teams/{unknown}/repos", headers=h),
        lambda: c.post(
            f"/api/v1/teams/{unknown}/repos",
            json={"remotes": ["git@github.com:a/b.git"]},
            headers=h,
        ),
        lambda: c.get(f"/api/v1/repos/{unknown}", headers=h),
        lambda: c.get("/api/v1/codemarks", params={"teamId": unknown}, headers=h),
        lambda: c.post("/api/v1/codemarks", json={"teamId": unknown, "text": "x"}, headers=h),
        lambda: c.get(f"/api/v1/codemarks/{unknown}", headers=h),
        lambda: c.patch(f"/api/v1/codemarks/{unknown}", json={"status": "closed"}, headers=h),
        lambda: c.delete(f"/api/v1/codemarks/{unknown}", headers=h),
        lambda: c.get(f"/api/v1/codemarks/{unknown}/replies", headers=h),
        lambda: c.post(f"/api/v1/codemarks/{unknown}/replies", json={"text": "x"}, headers=h),
        lambda: c.delete(f"/api/v1/tokens/{unknown}", headers=h),
    ]
    for attempt in attempts:
        assert_error(await attempt(), 404, "not_found", case=unknown)


async def test_it_keeps_another_teams_ids_out_of_reach(world: World) -> None:
    c, h = world.client, world.alice.headers
    oid = world.other_team["id"]
    other_cm = world.other_codemark["id"]
    other_repo = world.other_codemark["markers"][0]["repoId"]
    carol_tokens = (await c.get("/api/v1/tokens", headers=world.carol.headers)).json()
    before = await world.snapshot()
    forbidden: list[Call] = [
        lambda: c.get(f"/api/v1/teams/{oid}", headers=h),
        lambda: c.get(f"/api/v1/teams/{oid}/members", headers=h),
        lambda: c.post(f"/api/v1/teams/{oid}/members", json={"user": world.alice.email}, headers=h),
        lambda: c.get(f"/api/v1/teams/{oid}/repos", headers=h),
        lambda: c.post(
            f"/api/v1/teams/{oid}/repos", json={"remotes": ["git@github.com:a/b.git"]}, headers=h
        ),
        lambda: c.get("/api/v1/codemarks", params={"teamId": oid}, headers=h),
        lambda: c.post("/api/v1/codemarks", json={"teamId": oid, "text": "x"}, headers=h),
    ]
    for attempt in forbidden:
        assert_error(await attempt(), 403, "not_a_member")
    hidden: list[Call] = [
        lambda: c.get(f"/api/v1/repos/{other_repo}", headers=h),
        lambda: c.get(f"/api/v1/codemarks/{other_cm}", headers=h),
        lambda: c.patch(f"/api/v1/codemarks/{other_cm}", json={"status": "closed"}, headers=h),
        lambda: c.delete(f"/api/v1/codemarks/{other_cm}", headers=h),
        lambda: c.get(f"/api/v1/codemarks/{other_cm}/replies", headers=h),
        lambda: c.post(f"/api/v1/codemarks/{other_cm}/replies", json={"text": "x"}, headers=h),
        lambda: c.delete(f"/api/v1/tokens/{carol_tokens[0]['id']}", headers=h),
    ]
    for attempt in hidden:
        assert_error(await attempt(), 404, "not_found")
    # Own-team ids used against the other team: a marker on their repo, their member assigned.
    mixed: list[Call] = [
        lambda: c.post(
            "/api/v1/codemarks",
            json={
                "teamId": world.team["id"],
                "text": "x",
                "markers": [{"file": "a.py", "lineStart": 1, "lineEnd": 1, "repoId": other_repo}],
            },
            headers=h,
        ),
        lambda: c.post(
            "/api/v1/codemarks",
            json={"teamId": world.team["id"], "text": "x", "assignees": [world.carol.id]},
            headers=h,
        ),
    ]
    for attempt in mixed:
        assert_error(await attempt(), 422, "invalid_input")
    assert await world.snapshot() == before
