"""The demo world of a hand-run emulator, kept in a JSON file between runs.

A bot is configured with ids of this world (the tenant id, the app id and its secret) and remembers
others (the team, its channels, the users, their personal chats). The file keeps them all, and
which installs were made, so the next run (a restart, `--install`) is the same world and a pasted
config keeps working. Messages are not kept. Delete the file to start over with new ids.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from teams_emulator.emulator import Emulator
from teams_emulator.entities import User
from teams_emulator.scene import Scene

VERSION = 1


class StateFileError(Exception):
    """The state file exists but cannot be read as one."""


def read_state(path: Path) -> dict[str, Any]:
    """The kept state, or `{}` when there is no file yet.

    Raises `StateFileError` naming the file when it is unreadable, not JSON, or another version.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(f"{path}: cannot read the emulator's state: {exc}") from None
    try:
        state: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(
            f"{path}: not the emulator's state (invalid JSON at line {exc.lineno}); "
            "delete it to start over with new ids"
        ) from None
    if not _well_formed(state):
        raise StateFileError(
            f"{path}: not the emulator's state (expected version {VERSION} with a tenant, bot, "
            "users and team); delete it to start over with new ids"
        )
    kept: dict[str, Any] = state
    return kept


def _well_formed(state: Any) -> bool:
    """Whether `state` has the shape `snapshot` writes (so building from it cannot fail)."""
    if not isinstance(state, dict) or state.get("version") != VERSION:
        return False
    tenant, bot, users, team = (state.get(k) for k in ("tenant", "bot", "users", "team"))
    return (
        isinstance(tenant, dict)
        and isinstance(tenant.get("id"), str)
        and isinstance(bot, dict)
        and all(isinstance(bot.get(k), str) for k in ("appId", "secret"))
        and isinstance(users, dict)
        and all(isinstance(ids, dict) for ids in users.values())
        and isinstance(team, dict)
        and isinstance(team.get("channels", {}), dict)
        and isinstance(state.get("installs", {}), dict)
    )


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Replace the file atomically, mode 0600 (it holds the emulator's bot secret)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
            handle.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def snapshot(emulator: Emulator, demo: Scene) -> dict[str, Any]:
    """The ids of the demo world and its bot's installs, as the file keeps them."""
    world = emulator.world
    bot = demo.bot
    chats = {
        c.user_id: c.id
        for c in world.conversations.values()
        if c.kind == "personal" and c.bot_app_id == bot.app_id and c.user_id
    }
    team = demo.team
    return {
        "version": VERSION,
        "tenant": {"id": demo.tenant.id},
        "bot": {"appId": bot.app_id, "secret": bot.secret},
        "users": {u.name: {"id": u.id, "aadObjectId": u.aad_object_id} for u in demo.users},
        "team": {
            "id": team.id,
            "aadGroupId": team.aad_group_id,
            "channels": {c.name: c.id for c in demo.channels},
        },
        "installs": {
            "team": (
                sorted(team.consents.get(bot.app_id, frozenset()))
                if bot.app_id in team.installed_bots
                else None
            ),
            "personal": sorted(bot.personal_installs),
            "personalRemoved": sorted(bot.personal_removed),
            "personalChats": chats,
        },
    }


def kept_user(state: dict[str, Any], name: str) -> dict[str, str]:
    """The ids kept for a user (`{}` if none)."""
    users = state.get("users")
    found = users.get(name) if isinstance(users, dict) else None
    return found if isinstance(found, dict) else {}


def restore_installs(emulator: Emulator, demo: Scene, state: dict[str, Any]) -> None:
    """Put back the installs of the last run, silently: the bot heard of them then."""
    installs = state.get("installs")
    if not isinstance(installs, dict) or state.get("bot", {}).get("appId") != demo.bot.app_id:
        return  # another app than last time: it is installed nowhere yet
    world = emulator.world
    bot = demo.bot
    users: dict[str, User] = {u.id: u for u in demo.users}
    consent = installs.get("team")
    if isinstance(consent, list):
        demo.team.installed_bots.add(bot.app_id)
        demo.team.consents[bot.app_id] = frozenset(str(c) for c in consent)
    bot.personal_installs.update(u for u in installs.get("personal", []) if u in users)
    bot.personal_removed.update(u for u in installs.get("personalRemoved", []) if u in users)
    chats = installs.get("personalChats")
    for user_id, chat_id in chats.items() if isinstance(chats, dict) else ():
        if user_id in users and isinstance(chat_id, str):
            world.personal_chat(bot, users[user_id], chat_id=chat_id)
    world.touch()
