"""Signing keys: rotation, retirement, unendorsed keys, over Python and the control API."""

from __future__ import annotations

from .conftest import World


async def _jwks(world: World) -> list[dict[str, object]]:
    response = await world.http.get(f"{world.emu.base_url}/v1/.well-known/keys")
    return list(response.json()["keys"])


async def test_rotation_publishes_the_new_key_and_retires_the_old(world: World) -> None:
    ring = world.emu.emulator.channel_keys
    old = ring.active
    new = ring.rotate()
    assert ring.active is new
    kids = [k["kid"] for k in await _jwks(world)]
    assert kids == [new.kid]
    response = await world.emu.driver.post_message(world.channel, world.alice, "after rotation")
    assert response is not None
    assert old.kid != new.kid


async def test_overlapping_keys_while_rotating(world: World) -> None:
    ring = world.emu.emulator.channel_keys
    old = ring.active
    upcoming = ring.add_key(activate=False)
    assert [k["kid"] for k in await _jwks(world)] == [old.kid, upcoming.kid]
    assert ring.active is old
    ring.retire(old.kid)
    assert ring.active is upcoming


async def test_control_api_keys(world: World) -> None:
    base = f"{world.emu.base_url}/_emulator/keys"
    added = await world.http.post(base, json={"endorsements": ["webchat"], "activate": False})
    assert added.status_code == 201
    unendorsed = added.json()
    served = {k["kid"]: k for k in await _jwks(world)}
    assert served[unendorsed["kid"]]["endorsements"] == ["webchat"]
    listed = (await world.http.get(base)).json()["keys"]
    assert sum(k["active"] for k in listed) == 1
    rotated = (await world.http.post(f"{base}/rotate")).json()
    assert rotated["active"] is True
    assert (await world.http.delete(f"{base}/{unendorsed['kid']}")).status_code == 204
    assert (await world.http.delete(f"{base}/no-such-kid")).status_code == 404
    assert [k["kid"] for k in await _jwks(world)] == [rotated["kid"]]


async def test_world_snapshot_hides_secrets(world: World) -> None:
    snapshot = (await world.http.get(f"{world.emu.base_url}/_emulator/world")).json()
    assert world.bot.secret not in str(snapshot)
    assert snapshot["teams"][0]["installedBots"] == [world.bot.app_id]
    assert [c["name"] for c in snapshot["teams"][0]["channels"]] == ["General", "Releases"]
