"""Where the services config lives, and `~` expansion that honours a given environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_SQLITE_PATH",
    "config_path",
    "default_config_path",
    "expand_path",
]

CONFIG_ENV_VAR: Final = "CSSVC_CFG_FILE"

#: The default config file, unexpanded: `config_path()` expands `~` at call time, so a changed
#: `HOME` (tests, sudo -u) is honoured. Use `default_config_path()` for the expanded form.
DEFAULT_CONFIG_PATH: Final = Path("~/.codestream/codestream-services-config.json")

#: Where SQLite data goes when the config names no storage (expanded at load time, like above).
DEFAULT_SQLITE_PATH: Final = "~/.codestream/data/codestream.db"


def expand_path(path: str | Path, environ: Mapping[str, str] | None = None) -> Path:
    """Expand a leading `~` using `environ["HOME"]` when given, else the process's home."""
    text = str(path)
    home = environ.get("HOME") if environ is not None else None
    if home and (text == "~" or text.startswith("~/")):
        return Path(home + text[1:])
    return Path(os.path.expanduser(text))


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`DEFAULT_CONFIG_PATH` with `~` expanded now."""
    return expand_path(DEFAULT_CONFIG_PATH, environ)


def config_path(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The config file to use: `explicit` (`--config`), else `$CSSVC_CFG_FILE`, else the default.

    An empty `CSSVC_CFG_FILE` counts as unset. `environ` defaults to `os.environ`.
    """
    env = os.environ if environ is None else environ
    if explicit is not None and str(explicit) != "":
        return expand_path(explicit, env)
    from_env = env.get(CONFIG_ENV_VAR, "")
    if from_env:
        return expand_path(from_env, env)
    return default_config_path(env)
