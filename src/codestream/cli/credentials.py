"""~/.codestream/credentials: the server and token `codestream login` saved (mode 0600)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codestream.cli.output import fail


@dataclass(frozen=True)
class Credentials:
    """Where to reach the API and the token to use."""

    server: str
    token: str
    email: str


def credentials_path() -> Path:
    """The credentials file, under the current HOME."""
    return Path(os.path.expanduser("~")) / ".codestream" / "credentials"


def save_credentials(credentials: Credentials) -> Path:
    """Write the file atomically with mode 0600 (the folder 0700)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(
        {"server": credentials.server, "token": credentials.token, "email": credentials.email},
        indent=2,
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".credentials-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(data + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_credentials() -> Credentials:
    """The saved credentials, or exit 2 telling the user to log in."""
    path = credentials_path()
    try:
        raw = json.loads(path.read_text())
        return Credentials(server=raw["server"], token=raw["token"], email=raw.get("email", ""))
    except FileNotFoundError:
        fail("not logged in; run `codestream login --email you@example.com` first")
    except (OSError, ValueError, KeyError, TypeError):
        fail(f"{path} is unreadable or corrupt; run `codestream login` again")
