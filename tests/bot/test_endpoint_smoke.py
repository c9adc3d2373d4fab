"""The messaging endpoint accepts what the (emulated) Bot Framework signs, and only that."""

from __future__ import annotations

from support.bots import BotWorld


async def test_it_accepts_a_signed_install_and_message(bot_world: BotWorld) -> None:
    driver = bot_world.emu.driver
    installed = await driver.install_bot(bot_world.bot, bot_world.team, by=bot_world.alice)
    assert installed and all(r.status == 200 for r in installed)
    answer = await driver.post_message(bot_world.channel, bot_world.alice, "help")
    assert answer is not None and answer.status == 200


async def test_it_refuses_unsigned_requests(bot_world: BotWorld) -> None:
    activity = {"type": "message", "channelId": "msteams", "serviceUrl": "http://x/", "id": "1"}
    response = await bot_world.app_client.post("/no-auth/provider-action/msteams", json=activity)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_it_answers_get_with_405_for_proxy_checks(bot_world: BotWorld) -> None:
    response = await bot_world.app_client.get("/no-auth/provider-action/msteams")
    assert response.status_code == 405
    assert "Bot Framework" in response.text
