"""What the root command passes down to every subcommand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliState:
    """Global options given before the subcommand."""

    config_path: Path | None = None
