"""The messaging endpoint around verification: configuration, retries, invokes, clouds."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from codestream.config import config_from_document, new_document
from codestream.teams.activities import Activity, InvokeResponse
from codestream.teams.settings import bot_settings
from codestream.web.app import create_app
from codestream.web.bot_endpoint import PATH
from support.bots import BotWorld, assert_refusal, start_bot_world
from support.servers import serve_in_thread
from teams_emulator import run_emulator

APP_ID = "b0b0b0b0-0000-4000-8000-000000000000"


class CountingHandler:
    """Counts the activities it sees; fails the first `failures` of them; answers invokes."""

    def __init__(self, failures: int = 0, invoke: InvokeResponse | None = None) -> None:
        self.seen: list[Activity] = []
        self.failures = failures
        self.invoke = invoke or InvokeResponse(200, {"statusCode": 200, "type": "ok"})

    async def handle(self, activity: Activity, key: str | None) -> InvokeResponse | None:
        self.seen.append(activity)
        if len(self.seen) <= self.failures:
            raise RuntimeError("the database went away")
        return self.invoke if activity.type == "invoke" else None


async def _post_unconfigured(document: dict[str, Any], sqlite_url: str) -> list[httpx.Response]:
    config = config_from_document(document, environ={"CS_DATABASE_URL": sqlite_url})
    app = create_app(config, migrate=False)
    with serve_in_thread(app) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            async with run_emulator() as emu:
                token = emu.emulator.channel_tokens.mint("any-app", "https://x.example/")
            activity = {"type": "message", "channelId": "msteams", "serviceUrl": "https://x/"}
            return [
                await client.post(PATH, json=activity),
                await client.post(
                    PATH, json=activity, headers={"Authorization": f"Bearer {token}"}
                ),
                await client.post(PATH, content=b"junk"),
            ]


@pytest.mark.parametrize("setup", ["no msteams block", "disabled", "no password"])
async def test_without_a_bot_every_post_is_503(
    setup: str, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    document = new_document("https://codestream.example.com")
    block = {"botAppId": "b0b0b0b0-0000-4000-8000-000000000000", "botAppPassword": "pw"}
    if setup == "disabled":
        document["integrations"] = {"msteams": {"microsoft.com": {**block, "disabled": True}}}
    elif setup == "no password":
        document["integrations"] = {"msteams": {"microsoft.com": {"botAppId": block["botAppId"]}}}
    with caplog.at_level(logging.WARNING, logger="codestream.bot.endpoint"):
        responses = await _post_unconfigured(document, sqlite_url)
    for response in responses:
        assert_refusal(response, 503, "bot_not_configured")
    messages = [r.getMessage() for r in caplog.records if r.name == "codestream.bot.endpoint"]
    assert any("not configured" in m and "refusing all bot traffic" in m for m in messages)


async def test_get_is_405_with_a_text_body_and_allow_post(auth_world: BotWorld) -> None:
    response = await auth_world.app_client.get(PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith("text/plain")
    assert "Bot Framework" in response.text


async def test_a_duplicate_delivery_is_200_and_handled_once(sqlite_url: str) -> None:
    handler = CountingHandler()
    async with start_bot_world(sqlite_url, handler=handler, migrate=False) as world:
        await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
        handler.seen.clear()
        first = await world.emu.driver.post_message(world.channel, world.alice, "help")
        assert first is not None and first.status == 200
        sent = world.emu.emulator.transcript.query(direction="teams_to_bot")[-1]
        again = await world.app_client.post(
            PATH, content=sent.request_body, headers=sent.request_headers
        )
        assert again.status_code == 200
        assert [a.id for a in handler.seen] == [first.activity_id]
        # Same id in another conversation is another activity.
        other = world.activity(id=first.activity_id)
        other["conversation"] = {**other["conversation"], "id": "19:other@thread.tacv2"}
        assert (await world.post(other)).status_code == 200
        assert len(handler.seen) == 2


async def test_a_failing_handler_is_503_and_the_retry_is_handled_again(sqlite_url: str) -> None:
    handler = CountingHandler(failures=1)
    async with start_bot_world(sqlite_url, handler=handler, migrate=False) as world:
        activity = world.activity(text="help")
        failed = await world.post(activity)
        assert_refusal(failed, 503, "bot_failed")
        assert "database" not in failed.text
        retried = await world.post(activity)
        assert retried.status_code == 200
        assert [a.id for a in handler.seen] == [activity["id"], activity["id"]]


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        (
            InvokeResponse(
                200,
                {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.activity.message",
                    "value": "Done",
                },
            ),
            200,
            {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "Done",
            },
        ),
        (
            InvokeResponse(
                400,
                {
                    "statusCode": 400,
                    "type": "application/vnd.microsoft.error",
                    "value": {"code": "BadRequest", "message": "no"},
                },
            ),
            400,
            {
                "statusCode": 400,
                "type": "application/vnd.microsoft.error",
                "value": {"code": "BadRequest", "message": "no"},
            },
        ),
        (InvokeResponse(200), 200, None),
        (InvokeResponse(500, {"oops": True}), 503, None),
        (InvokeResponse(200, {"not json": {1, 2}}), 503, None),
    ],
)
async def test_invokes_get_the_handlers_answer(
    sqlite_url: str, answer: InvokeResponse, status: int, body: Any
) -> None:
    handler = CountingHandler(invoke=answer)
    async with start_bot_world(sqlite_url, handler=handler, migrate=False) as world:
        driver = world.emu.driver
        await driver.install_bot(world.bot, world.team, by=world.alice)
        posted = await driver.post_message(world.channel, world.alice, "a card")
        assert posted is not None and posted.status == 200
        messages = world.emu.emulator.world.conversations[world.channel.id].messages
        message = list(messages.values())[-1]
        response = await driver.execute_action(message, world.bob, verb="refresh", bot=world.bot)
        assert response.status == status
        if status == 503:
            assert response.body["error"]["code"] == "bot_failed"
        else:
            assert response.body == body
        assert handler.seen[-1].type == "invoke"
        assert handler.seen[-1].name == "adaptiveCard/action"


@pytest.mark.parametrize("multi_tenant", [False, True], ids=["single-tenant", "multi-tenant"])
async def test_single_and_multi_tenant_bots_are_both_accepted(
    sqlite_url: str, multi_tenant: bool
) -> None:
    async with start_bot_world(sqlite_url, multi_tenant=multi_tenant, migrate=False) as world:
        assert (world.bot.home_tenant_id is None) is multi_tenant
        installed = await world.emu.driver.install_bot(world.bot, world.team, by=world.alice)
        assert installed and all(r.status == 200 for r in installed)
        answer = await world.emu.driver.post_message(world.channel, world.alice, "help")
        assert answer is not None and answer.status == 200


def test_government_clouds_use_their_own_issuer_and_keys(sqlite_url: str) -> None:
    for cloud in ("gcchigh", "dod"):
        document = new_document("https://codestream.example.com")
        document["integrations"] = {
            "msteams": {"gov": {"botAppId": APP_ID, "botAppPassword": "pw", "cloud": cloud}}
        }
        config = config_from_document(document, environ={"CS_DATABASE_URL": sqlite_url})
        settings = bot_settings(config.msteams)
        assert settings is not None
        assert settings.token_issuer == "https://api.botframework.us"
        assert settings.openid_metadata_url.startswith("https://login.botframework.azure.us/")
        assert settings.token_url.startswith("https://login.microsoftonline.us/")
    public = bot_settings(
        config_from_document(
            {
                **new_document("https://c.example.com"),
                "integrations": {"msteams": {"p": {"botAppId": APP_ID, "botAppPassword": "p"}}},
            },
            environ={"CS_DATABASE_URL": sqlite_url},
        ).msteams
    )
    assert public is not None and public.token_issuer == "https://api.botframework.com"


async def test_a_gcchigh_bot_accepts_only_tokens_of_its_cloud(sqlite_url: str) -> None:
    def gcchigh(block: dict[str, Any]) -> None:
        block["cloud"] = "gcchigh"  # the emulator overrides only the metadata URL

    async with start_bot_world(sqlite_url, edit=gcchigh, migrate=False) as world:
        public_token = world.token()
        assert_refusal(await world.post(token=public_token), 401, "unauthorized")
        gov_token = world.token(issuer="https://api.botframework.us")
        assert (await world.post(token=gov_token)).status_code == 200


async def test_a_cloud_with_the_emulator_as_overrides_works(sqlite_url: str) -> None:
    def overrides(block: dict[str, Any]) -> None:
        block["cloud"] = "gcchigh"
        block["tokenIssuer"] = "https://api.botframework.com"

    async with start_bot_world(sqlite_url, edit=overrides, migrate=False) as world:
        assert (await world.post()).status_code == 200
        gov_token = world.token(issuer="https://api.botframework.us")
        assert_refusal(await world.post(token=gov_token), 401, "unauthorized")


async def test_concurrent_duplicates_run_the_handler_once(sqlite_url: str) -> None:
    handler = CountingHandler()
    async with start_bot_world(sqlite_url, handler=handler, migrate=False) as world:
        activity = world.activity(text="help")
        token = world.token()
        responses = await asyncio.gather(*(world.post(activity, token=token) for _ in range(10)))
        assert [r.status_code for r in responses] == [200] * 10
        assert len(handler.seen) == 1
