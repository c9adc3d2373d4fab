"""The permalink page in a real browser: Debian's Chromium through Playwright, a real server.

Signs in through the form (a real cookie round trip), opens the page, checks what a reader sees
and that the content security policy blocked nothing, and saves screenshots to
`build/screenshots/` for people to look at.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from codestream.config import config_from_document, new_document
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app
from support.cli import make_instance
from support.databases import sqlite_copy
from support.servers import free_port

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PASSWORD = "correct horse 1"
USERS = [("dave@example.com", "Dave McVeggin"), ("ana@example.com", "Ana Lima")]


@pytest.fixture
def server(_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread, with Dave and Ana's
    accounts made by the operator (`codestream user create`); yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = sqlite_copy(_sqlite_template, tmp_path)
    operator = make_instance(database_url, tmp_path)
    for email, name in USERS:
        created = operator.run(
            "user", "create", "--email", email, "--name", name, "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
        assert created.exit_code == 0, created.output
    config = config_from_document(new_document(url), environ={"CS_DATABASE_URL": database_url})
    app = create_app(config, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False)
    uv = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="none", loop="asyncio"
        )
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        uv.should_exit = True
        thread.join(timeout=15)


def _seed(url: str) -> str:
    """Two members, a codemark with a realistic snippet, and replies; returns the codemark id."""
    with httpx.Client(base_url=url) as client:
        tokens = {}
        for email, _name in USERS:
            local = email.split("@")[0]
            login = client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
            tokens[local] = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        team = client.post("/api/v1/teams", json={"name": "Plant Eaters"}, headers=tokens["dave"])
        team_id = team.json()["id"]
        added = client.post(
            f"/api/v1/teams/{team_id}/members",
            json={"user": "ana@example.com"},
            headers=tokens["dave"],
        )
        assert added.status_code == 201
        ana_id = client.get("/api/v1/me", headers=tokens["ana"]).json()["id"]
        code = (
            "_.shuffle = function(obj) {\n"
            "  var sample = _.sample(obj, Infinity);\n"
            "  return sample.length > 1 ? sample : [].concat(sample);\n"
            "};"
        )
        created = client.post(
            "/api/v1/codemarks",
            headers=tokens["dave"],
            json={
                "teamId": team_id,
                "type": "issue",
                "title": "shuffle() copies the array twice",
                "text": (
                    "Simple convenience function. Worth it to keep?\n\n"
                    "`_.sample` already returns a copy, so the `concat` is **wasted work** "
                    "for large arrays. See [the docs](https://underscorejs.org/#shuffle)."
                ),
                "tags": ["performance", "cleanup"],
                "assignees": [ana_id],
                "markers": [
                    {
                        "file": "modules/underscore.js",
                        "lineStart": 30,
                        "lineEnd": 33,
                        "code": code,
                        "remotes": ["git@github.com:jashkenas/underscore.git"],
                        "commitSha": "9f3c2b1" + "0" * 33,
                        "branch": "master",
                        "language": "javascript",
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text
        codemark_id: str = created.json()["id"]
        for who, text in [
            ("ana", "Agreed, I'll drop the `concat` and add a benchmark."),
            ("dave", "Thanks! Please keep the **old behaviour** for strings."),
        ]:
            reply = client.post(
                f"/api/v1/codemarks/{codemark_id}/replies", json={"text": text}, headers=tokens[who]
            )
            assert reply.status_code == 201
    return codemark_id


def test_it_renders_the_permalink_page_in_chromium(server: str, chromium_sync: Any) -> None:
    codemark_id = _seed(server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    page = chromium_sync.new_page(viewport={"width": 1100, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/c/{codemark_id}")
    assert page.url.startswith(f"{server}/web/login?next=")
    page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.fill("input[name=email]", "ana@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/c/{codemark_id}")

    assert page.title() == "shuffle() copies the array twice · CodeStream"
    assert page.inner_text("td.ln >> nth=0") == "30"
    assert page.inner_text("a.button >> nth=0") == "Open on GitHub"
    font = page.eval_on_selector("td.src", "el => getComputedStyle(el).fontFamily")
    assert "monospace" in font  # the stylesheet loaded under the CSP
    page.screenshot(path=str(SCREENSHOTS / "permalink.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone nothing (the Assign list, the reply box) makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "permalink-mobile.png"), full_page=True)
    page.close()

    assert problems == []


def test_a_member_replies_and_resolves_on_the_permalink_page_in_chromium(
    server: str, chromium_sync: Any
) -> None:
    codemark_id = _seed(server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page = chromium_sync.new_page(viewport={"width": 1100, "height": 900})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/c/{codemark_id}")
    page.fill("input[name=email]", "ana@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/c/{codemark_id}")

    page.get_by_label("Your reply").fill("Benchmark added: **3x faster** on 10k items.")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url(f"{server}/c/{codemark_id}?done=replied")
    assert page.get_by_role("status").inner_text() == "Your reply was posted."
    newest = page.locator("article.reply").last
    assert "3x faster" in newest.inner_text()
    assert newest.locator("strong").first.inner_text() == "Ana Lima"
    assert newest.locator(".origin").inner_text() == "from the web"

    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(f"{server}/c/{codemark_id}?done=resolved")
    assert page.get_by_role("status").inner_text() == "You resolved it."
    assert page.inner_text(".badge.status-closed") == "Closed"
    assert page.get_by_role("button", name="Reopen").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "permalink-resolved.png"), full_page=True)
    page.close()

    with httpx.Client(base_url=server) as client:
        login = client.post(
            "/api/v1/login", json={"email": "dave@example.com", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        codemark = client.get(f"/api/v1/codemarks/{codemark_id}", headers=headers).json()
        replies = client.get(f"/api/v1/codemarks/{codemark_id}/replies", headers=headers).json()
    assert codemark["status"] == "closed"
    assert (replies[-1]["text"], replies[-1]["origin"]) == (
        "Benchmark added: **3x faster** on 10k items.",
        "web",
    )
    assert problems == []
