"""Debian's Chromium for browser tests, through Playwright; never downloads a browser.

One rule finds it: `CS_TEST_CHROMIUM`, else /usr/bin/chromium. When it is not there, the test
skips and says how to get one. Fixtures: `chromium` (async API) and `chromium_sync` (sync API),
each a launched browser for one test; `async_chromium()` for a longer-lived one.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_executable() -> str:
    """The Chromium to drive; skips the calling test when there is none."""
    path = os.environ.get("CS_TEST_CHROMIUM") or DEFAULT_CHROMIUM
    if not os.access(path, os.X_OK):
        pytest.skip(f"no Chromium at {path} (apt-get install chromium, or set CS_TEST_CHROMIUM)")
    return path


@asynccontextmanager
async def async_chromium() -> AsyncIterator[Any]:
    """Chromium launched through Playwright's async API, closed on exit."""
    executable = chromium_executable()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@contextmanager
def sync_chromium() -> Iterator[Any]:
    """Chromium launched through Playwright's sync API, closed on exit."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """A Chromium browser (Playwright's async API) for one test."""
    async with async_chromium() as browser:
        yield browser


@pytest.fixture
def chromium_sync() -> Iterator[Any]:
    """A Chromium browser (Playwright's sync API) for one test."""
    with sync_chromium() as browser:
        yield browser
