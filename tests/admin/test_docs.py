"""The guide in docs/ names only commands that exist, and its pictures are there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codestream.cli.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
COMMAND = re.compile(
    r"(?<![\w./-])codestream((?:\s+--?[\w-]+(?:\s+(?!-)[^\s`]+)?)*)\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?"
)
GLOBAL_OPTIONS = {"--config"}


def _help_commands(*group: str) -> set[str]:
    result = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    section = result.output.split("Commands", 1)[1]
    return {m.group(1) for m in re.finditer(r"^│ ([a-z][\w-]*) ", section, re.MULTILINE)}


def _code(page: Path) -> str:
    """The page's code: fenced blocks and inline code spans."""
    text = page.read_text()
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, re.DOTALL)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    return "\n".join(blocks + spans).replace("\\\n", " ")


def test_the_guide_has_the_admin_and_user_pages() -> None:
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"admin/README.md", "admin/01-azure-bot.md", "user/msteams.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
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
