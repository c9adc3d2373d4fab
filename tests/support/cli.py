"""Running the `codestream` CLI in tests against a configured instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typer.testing import Result

Run = Callable[..., Result]


@dataclass
class Instance:
    """A configured instance: its config file, and a way to run CLI commands against it."""

    config_file: Path
    run: Run
