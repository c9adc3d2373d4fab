"""docs/dev/architecture.md stays true: every module it names exists (a path in a code span, under
src/ or, for the tests it points to, tests/), and the registration helpers its worked examples use
are there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "dev" / "architecture.md"
SOURCES = [path.as_posix() for top in ("src", "tests") for path in (ROOT / top).rglob("*.py")]
MODULE = re.compile(r"`((?:[a-z_]+/)*[a-z_]+\.py)`")


def test_it_names_only_modules_that_exist() -> None:
    named = set(MODULE.findall(PAGE.read_text()))
    assert len(named) > 30  # the page walks the rooms; an empty match would prove nothing
    missing = sorted(
        name for name in named if not any(path.endswith(f"/{name}") for path in SOURCES)
    )
    assert missing == []


def test_its_worked_examples_name_the_registration_helpers_that_exist() -> None:
    from codestream.bot import commands, router
    from codestream.domain import messages
    from codestream.domain.services import Services
    from codestream.teams import routing

    text = PAGE.read_text()
    for needle, exists in (
        ("@command(", hasattr(commands, "command")),
        ("Who.SIGNED_IN", hasattr(commands.Who, "SIGNED_IN")),
        ("is_invoke(", hasattr(routing, "is_invoke")),
        ("services.read(", hasattr(Services, "read")),
        ("Services.write", hasattr(Services, "write")),
        ("TeamsMessages", hasattr(messages, "TeamsMessages")),
        ("MIDDLEWARE", hasattr(commands, "MIDDLEWARE")),
        ("BotRouter.handle", hasattr(router.BotRouter, "handle")),
    ):
        assert needle in text and exists, needle
