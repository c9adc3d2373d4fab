"""Build, write and check the Teams app package: a zip with manifest.json and two icons at its root.

Everything happens in memory with `zipfile`; the file is written atomically (a temporary file in
the same directory, then a rename), so a failed run leaves any previous package untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Final

from codestream.apppackage.icons import color_icon, outline_icon
from codestream.apppackage.manifest import COLOR_ICON, OUTLINE_ICON, build_manifest
from codestream.apppackage.settings import PackageSettings
from codestream.apppackage.validation import (
    check_app_id,
    check_host,
    check_settings,
    color_icon_problems,
    manifest_problems,
    outline_icon_problems,
)
from codestream.apppackage.versioning import (
    VersionState,
    content_hash,
    is_plain_version,
    next_version,
    read_state,
    state_path,
)
from codestream.config import expand_path
from codestream.errors import CodeStreamError

DEFAULT_PACKAGE_PATH: Final = "~/.codestream/codestream-mst-app.zip"
MANIFEST_FILE: Final = "manifest.json"
_MAX_MEMBER_BYTES: Final = 5 * 1024 * 1024  # far above any real manifest or icon
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)  # fixed, so the same content gives the same bytes


class PackageInvalid(CodeStreamError):
    """The package we built (or were given) breaks Teams' rules; `problems` lists each one."""

    code = "invalid_package"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the app package is not valid:\n  " + "\n  ".join(problems))
        self.problems = problems


class OutputNotWritable(CodeStreamError):
    """The package can't be written where it was asked to go."""

    code = "output_not_writable"


@dataclass(frozen=True)
class BuiltPackage:
    """What `create_package` wrote."""

    path: Path
    version: str
    previous_version: str | None
    app_id: str
    host: str

    @property
    def changed(self) -> bool:
        """True if this build's content differs from the previous one (or there was none)."""
        return self.previous_version != self.version


def default_package_path(environ: Mapping[str, str] | None = None) -> Path:
    """``~/.codestream/codestream-mst-app.zip``, with ``~`` from `environ` (else os.environ)."""
    return expand_path(DEFAULT_PACKAGE_PATH, environ)


def package_files(
    app_id: str, host: str, settings: PackageSettings, version: str
) -> dict[str, bytes]:
    """The three files of the package, by name; inputs must already be checked."""
    manifest = build_manifest(app_id, host, settings, version)
    return {
        MANIFEST_FILE: _manifest_bytes(manifest),
        COLOR_ICON: color_icon(settings.accent_color),
        OUTLINE_ICON: outline_icon(),
    }


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A deflated zip with `files` at its root, byte-for-byte reproducible."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def create_package(
    app_id: str,
    host: str,
    out: Path,
    settings: PackageSettings | None = None,
    *,
    create_parent: bool = False,
) -> BuiltPackage:
    """Check the inputs, build the package, validate it and write it to `out` atomically.

    The version is 1.0.0 the first time, the same as last time if nothing changed, and a patch
    bump otherwise (see `versioning`). With `create_parent`, a missing parent directory is
    created (used for the default ``~/.codestream``). Raises `InvalidInput` for bad arguments,
    `PackageInvalid` if the result breaks Teams' rules, `OutputNotWritable` for `out` problems.
    """
    app_id = check_app_id(app_id)
    host = check_host(host)
    settings = check_settings(settings or PackageSettings())
    out = Path(out)
    _check_output(out, create_parent=create_parent)

    files = package_files(app_id, host, settings, version="1.0.0")
    manifest = json.loads(files[MANIFEST_FILE])
    new_hash = content_hash(manifest, _icons(files))
    previous = _previous_state(out)
    version = next_version(previous, new_hash)
    manifest["version"] = version
    files[MANIFEST_FILE] = _manifest_bytes(manifest)

    problems = files_problems(files)
    if problems:
        raise PackageInvalid(problems)

    _write_atomically(
        {out: zip_bytes(files), state_path(out): VersionState(new_hash, version).to_json().encode()}
    )
    return BuiltPackage(
        path=out,
        version=version,
        previous_version=previous.version if previous else None,
        app_id=app_id,
        host=host,
    )


def files_problems(files: Mapping[str, bytes]) -> list[str]:
    """Every problem with a package's files: the manifest, the icons it names, their presence."""
    if MANIFEST_FILE not in files:
        return [f"{MANIFEST_FILE} is missing from the root of the zip"]
    try:
        manifest = json.loads(files[MANIFEST_FILE].decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"{MANIFEST_FILE} is not valid JSON ({exc})"]
    problems = manifest_problems(manifest)
    icons = manifest.get("icons") if isinstance(manifest, dict) else None
    icons = icons if isinstance(icons, dict) else {}
    for key, default, check in (
        ("color", COLOR_ICON, color_icon_problems),
        ("outline", OUTLINE_ICON, outline_icon_problems),
    ):
        named = icons.get(key)
        name = named if isinstance(named, str) else default
        if name not in files:
            problems.append(
                f"{name} is missing from the root of the zip (manifest.json icons.{key} names it)"
            )
        else:
            problems.extend(check(files[name], name))
    return problems


def validate_package(zip_path: Path) -> list[str]:
    """Check any Teams app package the way `create_package` checks its own; [] means valid."""
    path = Path(zip_path)
    if not path.exists():
        return [f"{path} does not exist"]
    if path.is_dir():
        return [f"{path} is a directory; give the path of the .zip file"]
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = archive.testzip()
            if bad_member is not None:
                return [f"{path}: {bad_member} is corrupt (CRC mismatch); build the package again"]
            files: dict[str, bytes] = {}
            problems: list[str] = []
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if "/" in info.filename or "\\" in info.filename:
                    problems.append(
                        f"{info.filename} is in a folder; Teams reads only files at the root of "
                        "the zip — zip the files themselves, not the folder holding them"
                    )
                    continue
                if info.file_size > _MAX_MEMBER_BYTES:
                    problems.append(f"{info.filename} is {info.file_size} bytes; far too large")
                    continue
                files[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        return [f"{path} is not a readable zip file ({exc}); build it again"]
    return problems + files_problems(files)


def _manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _icons(files: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name != MANIFEST_FILE}


def _previous_state(out: Path) -> VersionState | None:
    """The last build's state: the state file, else the package already at `out`, else None."""
    state = read_state(state_path(out))
    if state is not None:
        return state
    try:
        with zipfile.ZipFile(out) as archive:
            files = {name: archive.read(name) for name in (MANIFEST_FILE, COLOR_ICON, OUTLINE_ICON)}
        manifest = json.loads(files[MANIFEST_FILE])
        version = manifest["version"]
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        return None
    if not isinstance(version, str) or not is_plain_version(version):
        return None
    return VersionState(content_hash(manifest, _icons(files)), version)


def _check_output(out: Path, *, create_parent: bool) -> None:
    if out.is_dir():
        raise OutputNotWritable(f"{out} is a directory; give a file path, e.g. {out / 'app.zip'}")
    parent = out.parent
    if not parent.is_dir():
        if parent.exists():
            raise OutputNotWritable(
                f"cannot write {out}: {parent} is not a directory; choose another --out"
            )
        if not create_parent:
            raise OutputNotWritable(
                f"cannot write {out}: directory {parent} does not exist; create it first or "
                "choose another --out"
            )
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputNotWritable(
                f"cannot create directory {parent} ({exc.strerror or exc}); make sure HOME "
                "points at a writable directory, or choose another --out"
            ) from exc


def _write_atomically(contents: Mapping[Path, bytes]) -> None:
    """Write each file via a temporary sibling and a rename; on failure leave nothing behind."""
    temporaries: dict[Path, Path] = {}
    target = next(iter(contents))
    try:
        for target, data in contents.items():
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            temporaries[target] = Path(name)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(name, 0o644)
        for target, temporary in temporaries.items():
            os.replace(temporary, target)
    except OSError as exc:
        for temporary in temporaries.values():
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise OutputNotWritable(
            f"cannot write {target} ({exc.strerror or exc}); make sure {target.parent} is "
            "writable, or choose another location with --out"
        ) from exc
