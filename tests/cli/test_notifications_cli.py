"""`codestream notifications show|set|mute|mute-codemark`: each changes what the REST API says
about the user's notifications; a bad name exits 2, says what would be right, changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from support.cli import Instance, log_in_ada


def _log_in(instance: Instance, server: str) -> tuple[dict[str, str], str]:
    log_in_ada(instance, name="Ada")
    token = json.loads((Path.home() / ".codestream" / "credentials").read_text())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    team_id = httpx.get(f"{server}/api/v1/teams", headers=headers).json()[0]["id"]
    created_codemark = httpx.post(
        f"{server}/api/v1/codemarks",
        json={"teamId": team_id, "type": "issue", "title": "Loop never ends"},
        headers=headers,
    )
    assert created_codemark.status_code == 201, created_codemark.text
    return headers, created_codemark.json()["id"]


def _settings(server: str, headers: dict[str, str]) -> dict[str, Any]:
    response = httpx.get(f"{server}/api/v1/me/notifications", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_show_set_and_mute(instance: Instance, live_server: str) -> None:
    headers, codemark_id = _log_in(instance, live_server)
    shown = instance.run("notifications", "show")
    assert shown.exit_code == 0, shown.output
    assert "replies-joined  off" in shown.output and "not muted" in shown.output
    assert instance.run("notifications", "set", "replies-joined", "on").exit_code == 0
    assert _settings(live_server, headers)["repliesJoined"] is True
    muted = instance.run("notifications", "mute", "1h")
    assert muted.exit_code == 0, muted.output
    assert "muted until" in muted.output
    assert _settings(live_server, headers)["mutedUntil"] is not None
    assert instance.run("notifications", "mute", "off").exit_code == 0
    assert _settings(live_server, headers)["mutedUntil"] is None
    one = instance.run("notifications", "mute-codemark", codemark_id)
    assert one.exit_code == 0, one.output
    assert _settings(live_server, headers)["mutedCodemarks"] == [codemark_id]
    assert instance.run("notifications", "mute-codemark", codemark_id, "--undo").exit_code == 0
    assert _settings(live_server, headers)["mutedCodemarks"] == []


def test_bad_names_exit_2_and_change_nothing(instance: Instance, live_server: str) -> None:
    headers, _ = _log_in(instance, live_server)
    before = _settings(live_server, headers)
    bad_kind = instance.run("notifications", "set", "everything", "off")
    assert bad_kind.exit_code == 2
    assert "'everything'" in bad_kind.output and "replies-joined" in bad_kind.output
    bad_state = instance.run("notifications", "set", "replies", "maybe")
    assert bad_state.exit_code == 2 and "on or off" in bad_state.output
    bad_mute = instance.run("notifications", "mute", "forever")
    assert bad_mute.exit_code == 2 and "1h, tomorrow, off" in bad_mute.output
    unknown = instance.run("notifications", "mute-codemark", "65f1c0ffee0123456789abcd")
    assert unknown.exit_code == 2 and "codestream codemark list" in unknown.output
    assert _settings(live_server, headers) == before
