"""The app version: bumped when the package's content changes, stable otherwise.

Teams only takes an updated package when its `version` is higher, so the builder keeps a small
state file next to the zip, `<zip>.version.json`: ``{"contentHash": "...", "version": "1.0.3"}``.
The content hash covers the manifest without its `version` and the icons' pixels (not their PNG
bytes, which may change with the Pillow version).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

FIRST_VERSION = "1.0.0"
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class VersionState:
    """What the last build wrote: its content hash and version."""

    content_hash: str
    version: str

    def to_json(self) -> str:
        """The state file's text."""
        return json.dumps({"contentHash": self.content_hash, "version": self.version}) + "\n"


def state_path(package_path: Path) -> Path:
    """The state file that belongs to a package path."""
    return package_path.with_name(package_path.name + ".version.json")


def read_state(path: Path) -> VersionState | None:
    """The saved state, or ``None`` if the file is missing or unusable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    content_hash, version = data.get("contentHash"), data.get("version")
    if not isinstance(content_hash, str) or not isinstance(version, str):
        return None
    if not is_plain_version(version):
        return None
    return VersionState(content_hash, version)


def content_hash(manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> str:
    """SHA-256 over the manifest (minus `version`) and each file; images count by their pixels."""
    digest = hashlib.sha256()
    unversioned = {key: value for key, value in manifest.items() if key != "version"}
    digest.update(json.dumps(unversioned, sort_keys=True, separators=(",", ":")).encode())
    for name in sorted(files):
        digest.update(b"\0" + name.encode() + b"\0")
        digest.update(_canonical(files[name]))
    return digest.hexdigest()


def _canonical(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            rgba = image.convert("RGBA")
    except (OSError, ValueError):
        return data
    return f"{rgba.width}x{rgba.height}:".encode() + rgba.tobytes()


def is_plain_version(version: str) -> bool:
    """True for a plain ``MAJOR.MINOR.PATCH`` version (what Teams accepts and we can bump)."""
    return _SEMVER.match(version) is not None


def bump_patch(version: str) -> str:
    """``1.2.3`` → ``1.2.4``."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return f"{major}.{minor}.{patch + 1}"


def next_version(previous: VersionState | None, new_hash: str) -> str:
    """The version for content with `new_hash`, given the previous build."""
    if previous is None:
        return FIRST_VERSION
    if previous.content_hash == new_hash:
        return previous.version
    return bump_patch(previous.version)
