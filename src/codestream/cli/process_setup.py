"""What `codestream serve` and `codestream worker` set up before anything else is imported: the
shared metrics directory (prometheus-client reads it when it is first imported) and the logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codestream.config import Config
from codestream.config.paths import expand_path
from codestream.config.settings import value_of

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_directory(config: Config) -> Path:
    """`metrics.multiprocessDirectory`, or `~/.codestream/run/metrics`."""
    from codestream.cli.processes import state_dirs

    configured = value_of(config.document, "metrics.multiprocessDirectory")
    return expand_path(configured) if configured else state_dirs().run / "metrics"


def share_metrics(config: Config) -> None:
    """Make this process write its metrics where the server reads every process's (unless the
    environment names a directory already). Call before prometheus-client is imported."""
    if MULTIPROC_ENV in os.environ or "prometheus_client" in sys.modules:
        return
    directory = metrics_directory(config)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return  # this process's metrics stay its own
    os.environ[MULTIPROC_ENV] = str(directory)


def clear_metrics(config: Config) -> None:
    """Empty the shared metrics directory (`codestream start`, when no service runs): the files of
    processes that are gone would be summed forever."""
    directory = metrics_directory(config)
    if directory.is_dir():
        for path in directory.glob("*.db"):
            path.unlink(missing_ok=True)


def log_format(config: Config) -> str:
    """`logging.format`: text or json."""
    return str(value_of(config.document, "logging.format"))


__all__ = ["clear_metrics", "log_format", "metrics_directory", "share_metrics"]
