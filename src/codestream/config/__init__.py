"""The services config: `~/.codestream/codestream-services-config.json`.

Load it with `load_config()` (file, then environment overrides, then validation); the CLI edits
it as a plain document with `read_document`/`get_value`/`set_value`/`write_document`. Secrets are
`Secret` objects in `Config` and masked by `masked()` for display. Every key is an entry of the
settings table `SETTINGS` (`settings.py`), which feeds validation, the defaults and
docs/admin/settings.md. The contract is in DESIGN.md.
"""

from __future__ import annotations

from codestream.config.checks import CLOUDS, is_secret_key, mask_url_password
from codestream.config.document import (
    get_value,
    is_secret_path,
    masked,
    new_document,
    read_document,
    resolve_key,
    set_value,
    write_document,
)
from codestream.config.jsonc import has_comments, parse_document
from codestream.config.model import (
    ENV_BOT_APP_ID,
    ENV_BOT_APP_PASS,
    ENV_BOT_TENANT_ID,
    ENV_DATABASE_URL,
    Config,
    ConfigInvalid,
    MsTeamsConfig,
    apply_env_overrides,
    config_from_document,
    load_config,
    resolved_document,
)
from codestream.config.paths import (
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_PATH,
    DEFAULT_SQLITE_PATH,
    config_path,
    default_config_path,
    expand_path,
)
from codestream.config.secret import MASK, Secret
from codestream.config.settings import (
    DEFAULT_API_HOST,
    DEFAULT_API_PORT,
    SETTINGS,
    Setting,
    default_of,
    value_of,
)
from codestream.config.validation import validate_block, validate_document
from codestream.errors import ConfigError

__all__ = [
    "CLOUDS",
    "CONFIG_ENV_VAR",
    "DEFAULT_API_HOST",
    "DEFAULT_API_PORT",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_SQLITE_PATH",
    "ENV_BOT_APP_ID",
    "ENV_BOT_APP_PASS",
    "ENV_BOT_TENANT_ID",
    "ENV_DATABASE_URL",
    "MASK",
    "SETTINGS",
    "Config",
    "ConfigError",
    "ConfigInvalid",
    "MsTeamsConfig",
    "Secret",
    "Setting",
    "apply_env_overrides",
    "config_from_document",
    "config_path",
    "default_config_path",
    "default_of",
    "expand_path",
    "get_value",
    "has_comments",
    "is_secret_key",
    "is_secret_path",
    "load_config",
    "mask_url_password",
    "masked",
    "new_document",
    "parse_document",
    "read_document",
    "resolve_key",
    "resolved_document",
    "set_value",
    "validate_block",
    "validate_document",
    "value_of",
    "write_document",
]
