"""Fixtures for the app package tests (the root conftest already isolates HOME)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codestream.apppackage import PackageSettings, create_package

APP_ID = "11111111-2222-3333-4444-555555555555"
HOST = "codestream.example.com"


@pytest.fixture
def app_id() -> str:
    """A valid Azure app (client) id."""
    return APP_ID


@pytest.fixture
def host() -> str:
    """A valid public API host."""
    return HOST


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Path]:
    """Build a package (default: tmp_path/app.zip) with a valid app id and host; give its path."""

    def _build(settings: PackageSettings | None = None, out: Path | None = None) -> Path:
        target = out or tmp_path / "app.zip"
        return create_package(APP_ID, HOST, target, settings).path

    return _build
