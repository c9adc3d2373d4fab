"""File-system refusals a test can inject, so error paths run as root too (CI runs as root, and
root reads and writes through file modes).

Each helper makes the calls the kernel would refuse to a non-root user raise the same
`PermissionError` (EACCES) it would, for one path or the entries of one directory, whoever runs
the test. Everything else goes through untouched.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path
from typing import Any

import pytest


def _denied(path: Any) -> PermissionError:
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))


def _is(path: Any, target: Path) -> bool:
    return isinstance(path, str | bytes | os.PathLike) and Path(os.fsdecode(path)) == target


def _inside(path: Any, directory: Path) -> bool:
    return isinstance(path, str | bytes | os.PathLike) and (
        Path(os.fsdecode(path)).parent == directory
    )


def make_unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Opening `path` fails as it does for a non-root user when the file's mode is 0."""
    real_os_open, real_io_open = os.open, io.open

    def os_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if _is(file, path):
            raise _denied(file)
        return real_os_open(file, flags, *args, **kwargs)

    def io_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if _is(file, path):
            raise _denied(file)
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)


def make_read_only_directory(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Nothing can be created in, renamed into or out of, or removed from `directory`, as for a
    non-root user when its mode is 0500. Files already there can still be read."""
    real_os_open, real_io_open = os.open, io.open
    real_mkdir, real_replace, real_rename, real_unlink = os.mkdir, os.replace, os.rename, os.unlink

    def creates(file: Any, flags: int) -> bool:
        return bool(flags & os.O_CREAT) and _inside(file, directory) and not os.path.exists(file)

    def os_open(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if creates(file, flags):
            raise _denied(file)
        return real_os_open(file, flags, *args, **kwargs)

    def io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if set(mode) & set("wax") and _inside(file, directory) and not os.path.exists(file):
            raise _denied(file)
        return real_io_open(file, mode, *args, **kwargs)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(path, directory):
            raise _denied(path)
        real_mkdir(path, *args, **kwargs)

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(src, directory) or _inside(dst, directory):
            raise _denied(dst)
        real_replace(src, dst, *args, **kwargs)

    def rename(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(src, directory) or _inside(dst, directory):
            raise _denied(dst)
        real_rename(src, dst, *args, **kwargs)

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if _inside(path, directory):
            raise _denied(path)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "unlink", unlink)
