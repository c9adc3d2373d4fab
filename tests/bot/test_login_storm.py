"""The bot keeps answering Teams while logins are being checked (#15, section 2).

Password checks used to run on the event loop: four bogus logins in flight raised the bot
endpoint's latency from ~20 ms to ~570 ms. Here two verifications are held busy in the app's
hashing workers while Teams (the emulator, with a real signed activity) talks to the bot.
"""

from __future__ import annotations

import asyncio

from codestream.passwords import HashingCapacity
from support.bots import start_bot_world
from support.hashers import HeldHasher, until


async def test_the_bot_answers_teams_while_password_checks_are_held(sqlite_url: str) -> None:
    hasher = HeldHasher()
    capacity = HashingCapacity(workers=2, waiting=2)
    async with start_bot_world(sqlite_url, migrate=False, hasher=hasher, hashing=capacity) as world:
        await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
        hasher.release.clear()
        try:
            logins = [
                asyncio.create_task(
                    world.app_client.post(
                        "/api/v1/login",
                        json={"email": f"bogus{i}@example.com", "password": "not the password"},
                    )
                )
                for i in range(2)
            ]
            await until(lambda: hasher.held == 2)

            answered = await world.emu.driver.post_message(world.channel, world.alice, "help")
            health = await world.app_client.get("/healthz")

            # Both verifications were still held when the bot and the health check answered.
            assert hasher.held == 2
            assert answered is not None and answered.status == 200
            assert health.status_code == 200
        finally:
            hasher.release.set()
        for done in await asyncio.gather(*logins):
            assert done.status_code == 401, done.text
