"""README.md and the guide in docs/ name only commands, flags, config keys and routes that
exist; the pages they point to answer, and their pictures are there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Match
from typer.testing import CliRunner

from codestream.cli.main import app
from codestream.config import Config
from codestream.config.settings import BLOCK, SETTINGS
from codestream.passwords import Argon2Hasher
from codestream.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
README = ROOT / "README.md"
ALL_PAGES = [README, *PAGES]
COMMAND = re.compile(
    r"(?<![\w./-])codestream((?:\s+--?[\w-]+(?:\s+(?!-)[^\s`]+)?)*)\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?"
)
GLOBAL_OPTIONS = {"--config"}


def _help_commands(*group: str) -> set[str]:
    result = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    section = result.output.split("Commands", 1)[1]
    return {m.group(1) for m in re.finditer(r"^│ ([a-z][\w-]*) ", section, re.MULTILINE)}


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _code(page: Path) -> str:
    """The page's code: fenced blocks and inline code spans."""
    text = page.read_text()
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, re.DOTALL)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return "\n".join(blocks + spans).replace("\\\n", " ")


def test_the_guide_has_the_admin_and_user_pages() -> None:
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"admin/README.md", "admin/01-azure-bot.md", "user/msteams.md"} <= names


@pytest.mark.parametrize("page", ALL_PAGES, ids=_name)
def test_every_command_named_exists(page: Path) -> None:
    top = _help_commands()
    groups = {name: _help_commands(name) for name in ("config", "db", "user", "team", "codemark")}
    named = []
    for match in COMMAND.finditer(_code(page)):
        options, command, sub = match.groups()
        used = set(re.findall(r"--?[\w-]+", options or ""))
        assert used <= GLOBAL_OPTIONS, f"{page.name}: unknown option in {match.group(0)!r}"
        assert command in top, f"{page.name}: `codestream {command}` is not a command"
        if command in groups:
            assert sub in groups[command], f"{page.name}: `codestream {command} {sub}` is not one"
        named.append(command)
    if page.name != "README.md" or page.parent.name == "admin":
        assert named, f"{page.name} names no codestream command"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_picture_and_link_exists(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#\s]+)\)", page.read_text()):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name}: {target} is missing"


# --- flags ------------------------------------------------------------------------------------

FLAG = re.compile(r"(?<![\w/.-])--?[A-Za-z][\w-]*")
_END_OF_COMMAND = re.compile(r"\s(?:#|\||&&|;|>|2>)|`")


@cache
def _help_flags(*command: str) -> frozenset[str]:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    flags = set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", result.output))
    return frozenset(part for flag in flags for part in flag.split("/"))


@pytest.mark.parametrize("page", ALL_PAGES, ids=_name)
def test_every_flag_named_exists(page: Path) -> None:
    """`codestream user create --email X`: each flag after the command is one it takes."""
    groups = {name: _help_commands(name) for name in ("config", "db", "user", "team", "codemark")}
    for line in _code(page).splitlines():
        for match in COMMAND.finditer(line):
            _options, command, sub = match.groups()
            words = [command, sub] if command in groups and sub in groups[command] else [command]
            rest = line[match.end() :]
            end = _END_OF_COMMAND.search(rest)
            flags = set(FLAG.findall(rest[: end.start()] if end else rest))
            unknown = flags - _help_flags(*words) - GLOBAL_OPTIONS
            assert not unknown, (
                f"{_name(page)}: `codestream {' '.join(words)}` has no {sorted(unknown)}: {line!r}"
            )


# --- config keys ------------------------------------------------------------------------------

SECTIONS = ("apiServer", "storage", "sharedSecrets", "ssl", "integrations", "delivery", "pages")
KEY = re.compile(r"(?<![\w./-])(?:" + "|".join(SECTIONS) + r"|appPackage)(?:\.[A-Za-z0-9_<>-]+)+")
KNOWN = {s.path for s in SETTINGS} | {
    ".".join(s.path.split(".")[:i]) for s in SETTINGS for i in range(1, s.path.count(".") + 1)
}


def _key_exists(key: str) -> bool:
    """`key` is a setting or an object holding some (a Teams block under any name)."""
    if key.startswith("appPackage."):
        key = f"{BLOCK}.{key}"
    if key in KNOWN:
        return True
    prefix = "integrations.msteams."
    if key.startswith(prefix):
        parts = key[len(prefix) :].split(".")
        for cut in range(1, len(parts) + 1):  # the block's name may hold dots: microsoft.com
            rest = ".".join(parts[cut:])
            if (f"{BLOCK}.{rest}" if rest else BLOCK) in KNOWN:
                return True
    return False


@pytest.mark.parametrize("page", ALL_PAGES, ids=_name)
def test_every_config_key_named_exists(page: Path) -> None:
    code = _code(page)
    for key in {k.rstrip(".") for k in KEY.findall(code)}:
        assert _key_exists(key), f"{_name(page)}: `{key}` is not a config key"


# --- routes and pages -------------------------------------------------------------------------

ROUTE = re.compile(
    r"(?:\b(GET|POST|PUT|PATCH|DELETE)\s+)?(?<![\w./-])(/(?:web|api|c)(?:/[^\s`)\"'|,;]*)?)"
)
PLACEHOLDER = re.compile(r"<[^<>\n]+>|\{[^{}\n]+\}")


def _routes_named(page: Path) -> set[tuple[str | None, str]]:
    """(method or None, path) for each route the page names; placeholders become `x`."""
    found = set()
    for method, path in ROUTE.findall(PLACEHOLDER.sub("x", _code(page))):
        path = path.split("?", 1)[0].rstrip(".:")
        if path.endswith("...") or path in ("/c", "/c/"):
            continue  # "/web/..." names the prefix; "/c/" the permalink prefix in prose
        found.add((method or None, path))
    return found


def _has_route(web: FastAPI, method: str | None, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": method or "GET", "root_path": ""}
    for route in web.routes:
        matched, _ = route.matches(scope)
        if matched is Match.FULL or (matched is Match.PARTIAL and method is None):
            return True
    # A prefix the docs name ("the REST API under /api/v1").
    return any(p.startswith(path.rstrip("/") + "/") for p in web.openapi()["paths"])


@pytest.fixture
async def web(config: Config, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    yield create_app(
        config, engine=engine, hasher=Argon2Hasher(time_cost=1, memory_cost=8192), migrate=False
    )


@pytest.mark.parametrize("page", ALL_PAGES, ids=_name)
async def test_every_route_named_exists_and_its_pages_answer(page: Path, web: FastAPI) -> None:
    named = _routes_named(page)
    for method, path in sorted(named, key=str):
        assert _has_route(web, method, path), f"{_name(page)}: no route for {method or ''} {path}"
    pages = {path for method, path in named if method in (None, "GET") and "/x" not in path}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="https://codestream.example.com"
    ) as browser:
        for path in sorted(p for p in pages if p.startswith("/web/")):
            answer = await browser.get(path)
            assert answer.status_code not in (404, 405) and answer.status_code < 500, (
                f"{_name(page)}: GET {path} answered {answer.status_code}"
            )


def test_the_checks_see_what_the_docs_name() -> None:
    """The patterns find what they look for (a test that found nothing would pass)."""
    assert ("POST", "/api/v1/teams/x/invitations") in _routes_named(DOCS / "admin/05-accounts.md")
    assert (None, "/web/privacy") in _routes_named(DOCS / "admin/settings.md")
    assert "apiServer.publicApiUrl" in KEY.findall(_code(README)) or any(
        "apiServer." in k for k in KEY.findall(_code(README))
    )
    assert not _key_exists("apiServer.prot")
    assert _key_exists("integrations.msteams.microsoft.com.botAppId")
    assert _key_exists("appPackage.privacyUrl")
    assert "--nope" not in _help_flags("user", "create")
