"""Fixtures for the config tests: a private HOME, a clean environment, a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from codestream.cli import config_cmd
from codestream.cli.main import root

ENV_NAMES = (
    "CSSVC_CFG_FILE",
    "CSSVC_MSTEAMS_BOT_APP_ID",
    "CSSVC_MSTEAMS_BOT_APP_PASS",
    "CSSVC_MSTEAMS_BOT_TENANT_ID",
    "CS_DATABASE_URL",
)

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
BOT_PASSWORD = "bot-password-Sup3rSecret"
AUTH_SECRET = "auth-secret-0123456789abcdef"
COOKIE_SECRET = "cookie-secret-0123456789abcdef"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh HOME, with none of the config's environment variables set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def cfg_file(home: Path) -> Path:
    """Where the config lives by default under `home`."""
    return home / ".codestream" / "codestream-services-config.json"


def valid_doc() -> dict[str, Any]:
    """A complete, valid config document with a Teams bot."""
    return {
        "apiServer": {"publicApiUrl": "https://cs.example.com", "port": 12079},
        "storage": {"sqlite": {"path": "~/.codestream/data/codestream.db"}},
        "sharedSecrets": {"auth": AUTH_SECRET, "cookie": COOKIE_SECRET},
        "integrations": {
            "msteams": {
                "microsoft.com": {
                    "botAppId": APP_ID,
                    "botAppPassword": BOT_PASSWORD,
                    "botAppTenantId": TENANT_ID,
                }
            }
        },
    }


@dataclass(frozen=True)
class Sample:
    """The values inside `valid_doc()`, for tests that look for (or must not find) them."""

    app_id: str = APP_ID
    tenant_id: str = TENANT_ID
    bot_password: str = BOT_PASSWORD
    auth_secret: str = AUTH_SECRET
    cookie_secret: str = COOKIE_SECRET

    def doc(self) -> dict[str, Any]:
        """A fresh copy of the valid document."""
        return valid_doc()


@pytest.fixture
def sample() -> Sample:
    """The sample config document and the secrets in it."""
    return Sample()


@pytest.fixture
def write_cfg(cfg_file: Path) -> Callable[..., Path]:
    """Write a document (dict) or raw text to the default config path, mode 0600."""

    def write(content: dict[str, Any] | str | None = None, path: Path | None = None) -> Path:
        target = path or cfg_file
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            content = valid_doc()
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        target.write_text(text, encoding="utf-8")
        target.chmod(0o600)
        return target

    return write


def _make_app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.callback()(root)
    config_cmd.register(app)
    return app


@pytest.fixture
def cli(home: Path) -> Callable[..., Result]:
    """Run `codestream ARGS...` in-process with HOME set to the fixture's home."""
    app = _make_app()
    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env={"HOME": str(home), **(env or {})})

    return run
