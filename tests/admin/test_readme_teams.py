"""README's Teams walkthrough ("Try it on one machine against the emulator"), run as written.

The commands are read from README's shell blocks and run in order, in a private HOME: `init`,
`codestream emulator ... --write-config ...` and `codestream serve` as processes, the others
in-process. Only the ports change (free ones instead of 12079 and 3979, with `config set
apiServer.port`). Then the page's steps go through the page's own HTTP API: add the bot for Alice
from Apps (a personal install), `signin` in her chat, the sign-in page, the hand-back, add the bot
to the team, `connect`, share a codemark from a git checkout, reply both ways (in the card's
thread; with `codemark reply` and the REST API); and a restart of the emulator keeps the ids, so
the written config still works.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from codestream.cli.demo_flow import sign_in_on_the_web
from codestream.cli.main import _register_commands, app
from support.browser import chromium_executable, sync_chromium
from support.servers import free_port

_register_commands()

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "walkthrough pass 1"


def readme_commands() -> list[list[list[str]]]:
    """The `codestream` commands of each shell block of README's emulator walkthrough."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("Try it on one machine against the emulator") :]
    section = section[: section.index("\n## ")] if "\n## " in section else section
    blocks = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        lines = block.replace("\\\n", " ").splitlines()
        blocks.append([shlex.split(line, comments=True) for line in lines if line.strip()])
    return blocks


def _expand(args: list[str]) -> list[str]:
    return [os.path.expanduser(a) if a.startswith("~/") else a for a in args]


@contextmanager
def _process(args: list[str], log: Path) -> Iterator[subprocess.Popen[str]]:
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "codestream", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_for(log: Path, text: str, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = log.read_text()
        if text in seen:
            return seen
        assert process.poll() is None, seen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never printed:\n{log.read_text()}")


def _wait_ready(base: str, log: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} never became ready:\n{log.read_text()}")


class Page:
    """The emulator page's JSON API: what a person's clicks on the page send."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=f"{base}/_emulator/ui", timeout=30)

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def state(self) -> dict[str, Any]:
        """The sidebar."""
        state: dict[str, Any] = self.http.get("/state").json()
        return state

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A click."""
        answer = self.http.post(path, json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def conversation(self, conversation_id: str, viewer: str) -> dict[str, Any]:
        """A channel's threads or a chat's messages, as `viewer` sees them."""
        found = self.http.get(f"/conversations/{conversation_id}", params={"as": viewer})
        assert found.status_code == 200, found.text
        view: dict[str, Any] = found.json()
        return view

    def wait_for_bot(self, conversation_id: str, viewer: str, text: str) -> dict[str, Any]:
        """The first bot message (root or reply) in the conversation showing `text`."""
        deadline = time.monotonic() + 30
        while True:
            view = self.conversation(conversation_id, viewer)
            for thread in view["threads"]:
                for message in [thread["root"], *thread["replies"]]:
                    if message["fromBot"] and text in json.dumps(message):
                        return {**message, "threadRoot": thread["root"]["id"]}
            assert time.monotonic() < deadline, f"no bot message with {text!r}: {view}"
            time.sleep(0.1)


def _signin_link(message: dict[str, Any]) -> str:
    for attachment in message["attachments"]:
        for action in attachment.get("content", {}).get("actions", []):
            msteams = (action.get("data") or {}).get("msteams") or {}
            if msteams.get("type") == "signin":
                return str(msteams["value"])
    raise AssertionError(f"no sign-in button on {message}")


def _make_checkout(directory: Path) -> Path:
    repo = directory / "billing"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "invoice.py").write_text(
        "".join(f"amount_{n} = round({n} * 1.1, 2)\n" for n in range(1, 21))
    )
    for args in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "git@github.com:analytical-engines/billing.git"],
        ["add", "."],
        ["-c", "user.email=ada@example.com", "-c", "user.name=Ada", "commit", "-qm", "Invoices"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


@pytest.mark.parametrize(
    "clicks", ["page_api", pytest.param("chromium", marks=pytest.mark.browser)]
)
def test_the_readme_teams_walkthrough_works_as_written(
    clicks: str,
    isolated_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`page_api`: the page's clicks as the JSON it posts; `chromium`: clicked in the page."""
    if clicks == "chromium":
        chromium_executable()  # skips here when there is none
    setup, accounts, checkout = readme_commands()
    api_port, emulator_port = free_port(), free_port()
    runner = CliRunner()

    def cs(args: list[str], input: str | None = None) -> str:
        assert args[0] == "codestream", args
        argv = [a.replace("12079", str(api_port)) for a in _expand(args[1:])]
        result = runner.invoke(app, argv, input=input)
        assert result.exit_code == 0, (argv, result.output)
        return result.output

    init, emulator = setup
    assert init[:2] == ["codestream", "init"] and emulator[:2] == ["codestream", "emulator"]
    cs(init)
    cs(["codestream", "config", "set", "apiServer.port", str(api_port)])
    emulator_args = [a.replace("12079", str(api_port)) for a in _expand(emulator[1:])]
    emulator_args += ["--port", str(emulator_port)]
    config_file = isolated_home / ".codestream" / "codestream-services-config.json"
    assert str(config_file) in emulator_args  # --write-config: no pasting needed

    user_create, team_create, serve = accounts
    assert serve == ["codestream", "serve"]
    log = tmp_path / "emulator.log"
    with _process(emulator_args, log) as emulator_process:
        printed = _wait_for(log, "\n}\n", emulator_process)
        block = json.loads(printed[printed.index("{") :])["integrations"]["msteams"]
        written = json.loads(config_file.read_text())["integrations"]["msteams"]
        assert written == block  # merged into the config, with the rest of init's file kept
        assert json.loads(config_file.read_text())["apiServer"]["port"] == api_port
        assert list(config_file.parent.glob("codestream-services-config.json.*.bak"))

        cs(user_create, input=f"{PASSWORD}\n{PASSWORD}\n")
        made = cs(team_create)
        team_id = re.search(r"\(id (\S+)\)", made)
        assert team_id, made
        serve_log = tmp_path / "serve.log"
        with _process(serve[1:], serve_log) as server:
            _wait_ready(f"http://127.0.0.1:{api_port}", serve_log, server)
            page = Page(f"http://127.0.0.1:{emulator_port}")
            try:
                if clicks == "chromium":
                    # In a thread of its own: between calls Playwright's sync API marks its
                    # event loop as running in its thread, where the CLI's asyncio.run would fail.
                    with ThreadPoolExecutor(1) as pool:
                        pool.submit(_add_sign_in_connect_in_chromium, page.base).result()
                else:
                    _add_sign_in_connect(page, api_port, team_id.group(1))
                _share_and_reply(page, api_port, cs, checkout, tmp_path, monkeypatch)
            finally:
                page.close()
            # A restart keeps the ids: the same block, and the bot still answers Alice.
            emulator_process.send_signal(signal.SIGTERM)
            assert emulator_process.wait(timeout=20) == 0
            with _process(emulator_args, log) as again:
                printed = _wait_for(log, "\n}\n", again)
                assert json.loads(printed[printed.index("{") :])["integrations"]["msteams"] == block
                page = Page(f"http://127.0.0.1:{emulator_port}")
                try:
                    alice = _alice(page.state())
                    (chat,) = page.state()["tenants"][0]["chats"]  # kept, with its id
                    asked = page.post(
                        "/messages",
                        {"conversationId": chat["id"], "userId": alice, "text": "status"},
                    )
                    assert asked["status"] == 200
                    page.wait_for_bot(chat["id"], alice, "ada@example.com")
                finally:
                    page.close()


def _alice(state: dict[str, Any]) -> str:
    return next(u["id"] for u in state["tenants"][0]["users"] if u["name"] == "Alice Smith")


def _where(page: Page) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    """Alice's id, the bot, the team and the Releases channel's id."""
    state = page.state()
    (bot,) = state["bots"]
    (team,) = state["tenants"][0]["teams"]
    releases = next(c["id"] for c in team["channels"] if c["name"] == "Releases")
    return _alice(state), bot, team, releases


def _add_sign_in_connect(page: Page, api_port: int, cs_team_id: str) -> None:
    """README's clicks on the page, as the JSON the page posts."""
    alice, bot, team, releases = _where(page)

    # Apps > CodeStream > Add, for Alice: Teams' personal install; her chat opens with a welcome.
    added = page.post("/install", {"appId": bot["appId"], "userId": alice})
    assert added == {"statuses": [200, 200]}
    (chat,) = page.state()["tenants"][0]["chats"]
    assert chat["userId"] == alice
    page.wait_for_bot(chat["id"], alice, "signin")

    asked = page.post(
        "/messages", {"conversationId": chat["id"], "userId": alice, "text": "signin"}
    )
    assert asked["status"] == 200
    card = page.wait_for_bot(chat["id"], alice, "/web/msteams/signin")
    code = sign_in_on_the_web(
        f"http://127.0.0.1:{api_port}", _signin_link(card), "ada@example.com", PASSWORD, cs_team_id
    )
    handed = page.post(
        "/signin",
        {"conversationId": chat["id"], "messageId": card["id"], "userId": alice, "state": code},
    )
    assert handed["status"] == 200
    page.wait_for_bot(chat["id"], alice, "signed in to CodeStream as")

    # Engineering > Releases: Add CodeStream to team (no RSC consent), then @CodeStream connect.
    page.post("/install", {"appId": bot["appId"], "teamId": team["id"]})
    header = page.conversation(releases, alice)["team"]["installs"]
    assert header == [{"appId": bot["appId"], "name": "CodeStream", "readsAllMessages": False}]
    connected = page.post(
        "/messages",
        {"conversationId": releases, "userId": alice, "text": "connect", "mention": True},
    )
    assert connected["status"] == 200
    page.wait_for_bot(releases, alice, "ready to receive codemarks")


def _add_sign_in_connect_in_chromium(emulator: str) -> None:
    """README's clicks on the page, in Chromium: Apps, `signin`, the sign-in window, the team's
    Add button, `connect`."""
    with sync_chromium() as browser:
        _click_through(browser, emulator)


def _click_through(browser: Any, emulator: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{emulator}/?poll=100")
    page.get_by_role("button", name="Chat", exact=True).click()
    page.get_by_label("Add CodeStream for").select_option(label="Alice Smith")
    page.locator(".app-add").get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#title")).to_have_text("CodeStream")
    expect(page.locator("#threads")).to_contain_text("Welcome to CodeStream")

    page.fill("#compose-text", "signin")
    page.click("#send")
    button = page.locator(".ac-signin").last
    expect(button).to_have_text("Sign in")
    with page.expect_popup() as opened:
        button.click()
    window = opened.value
    window.fill("input[name=email]", "ada@example.com")
    window.fill("input[name=password]", PASSWORD)
    window.get_by_role("button", name="Sign in").click()
    window.get_by_label("Analytical Engines").check()
    window.get_by_role("button", name="Link this Teams account").click()
    expect(page.locator("#threads")).to_contain_text(
        "You're signed in to CodeStream as ada@example.com"
    )

    page.locator("#teams .item", has_text="Releases").click()
    expect(page.locator("#title")).to_have_text("Releases")
    page.get_by_role("button", name="Add CodeStream to team", exact=True).click()
    expect(page.locator(".install-note")).to_have_text("CodeStream added · only @mentions")
    expect(page.locator("#mention")).to_be_checked()
    page.fill("#compose-text", "connect")
    page.click("#send")
    expect(page.locator("#threads")).to_contain_text("ready to receive codemarks")
    page.close()


def _share_and_reply(
    page: Page,
    api_port: int,
    cs: Any,
    checkout: list[list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README's last block: share from a git checkout, then reply from both sides."""
    alice, _, _, releases = _where(page)

    # From a git checkout: log in, create and share a codemark; its card reaches the channel.
    login, create, reply = checkout
    monkeypatch.chdir(_make_checkout(tmp_path))
    cs(login, input=f"{PASSWORD}\n")
    created = cs(create)
    codemark = re.search(r"Created issue (\S+)", created)
    assert codemark, created
    card = page.wait_for_bot(releases, alice, "Rounding loses cents")
    api = f"http://127.0.0.1:{api_port}/api/v1"
    token = httpx.post(f"{api}/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert token.status_code == 200, token.text
    auth = {"Authorization": f"Bearer {token.json()['accessToken']}"}
    deadline = time.monotonic() + 30
    # A person reads the card before answering; by then its delivery is recorded (the thread's id).
    while (shares := httpx.get(f"{api}/codemarks/{codemark.group(1)}", headers=auth).json())[
        "sharedTo"
    ][0]["status"] != "sent":
        assert time.monotonic() < deadline, shares
        time.sleep(0.1)

    # A reply in the card's thread (with an @mention: no RSC) lands on the codemark...
    replied_in_teams = page.post(
        "/messages",
        {
            "conversationId": releases,
            "userId": alice,
            "text": "Sum first, then round once.",
            "rootId": card["id"],
            "mention": True,
        },
    )
    assert replied_in_teams["status"] == 200, replied_in_teams
    deadline = time.monotonic() + 30
    show = ["codestream", "codemark", "show", codemark.group(1)]
    while "Sum first, then round once." not in " ".join(cs(show).split()):  # Rich may wrap
        assert time.monotonic() < deadline, f"the Teams reply stayed in Teams: {replied_in_teams}"
        time.sleep(0.2)
    # ...and `codestream codemark reply` lands in the card's thread.
    cs([a.replace("<id>", codemark.group(1)) for a in reply])
    answer = page.wait_for_bot(releases, alice, "Fixed in 2.3.")
    assert answer["threadRoot"] == card["id"] and answer["id"] != card["id"]
    # So does README's `POST /api/v1/codemarks/{id}/replies`.
    replied = httpx.post(
        f"{api}/codemarks/{codemark.group(1)}/replies",
        json={"text": "Released in 2.3.1."},
        headers=auth,
    )
    assert replied.status_code == 201, replied.text
    answer = page.wait_for_bot(releases, alice, "Released in 2.3.1.")
    assert answer["threadRoot"] == card["id"]
