"""Placeholder, replaced below."""

from __future__ import annotations

from starlette.routing import Route

from teams_emulator.emulator import Emulator


def web_routes(emulator: Emulator) -> list[Route]:
    """The page and its JSON API."""
    return []
