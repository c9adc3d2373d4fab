"""Microsoft's own Python SDK (botframework-connector 4.17.1) as an oracle for the emulator.

Inbound: `JwtTokenValidation`/`ChannelValidation` and the parameterized
`BotFrameworkAuthentication`, pointed at the emulator's OpenID metadata, accept the channel
tokens the driver sends.
Outbound: `ConnectorClient`/`TeamsConnectorClient` create a channel thread, send, reply, update,
delete and read members against the emulator. MSAL refuses a plain-http authority, so the access
token comes from the emulator's token endpoint through a small credentials subclass (real HTTP
client-credentials request, just not through MSAL).

The SDK fetches keys with blocking `requests` calls, so it runs in a worker thread while the
emulator serves from the test's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
import requests

from teams_emulator import RunningEmulator

from .conftest import SCOPE, World, make_world

# botframework-connector imports aiohttp (through msrest) without declaring it as a dependency.
pytest.importorskip(
    "aiohttp", reason="botframework-connector needs aiohttp: add it to the dev extra"
)
pytest.importorskip("botframework.connector", reason="botframework-connector (dev extra) missing")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

T = TypeVar("T")


def _run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> Coroutine[Any, Any, T]:
    return asyncio.to_thread(lambda: asyncio.run(factory()))


@pytest.fixture
async def served_world(served: RunningEmulator) -> Any:
    world = await make_world(served)
    yield world
    await world.http.aclose()


async def _channel_activity(world: World) -> tuple[str, dict[str, Any]]:
    response = await world.emu.driver.post_message(world.channel, world.alice, "hello")
    assert response is not None
    return response.request_headers["Authorization"], response.activity


async def test_jwt_token_validation_accepts_emulator_tokens(
    served_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botframework.connector.auth import (
        ChannelValidation,
        JwtTokenValidation,
        SimpleCredentialProvider,
    )

    world = served_world
    monkeypatch.setattr(
        ChannelValidation, "open_id_metadata_endpoint", world.emu.openid_metadata_url
    )
    header, activity = await _channel_activity(world)
    credentials = SimpleCredentialProvider(world.bot.app_id, world.bot.secret)

    identity = await _run_in_thread(
        lambda: JwtTokenValidation.validate_auth_header(
            header, credentials, "", activity["channelId"], activity["serviceUrl"]
        )
    )
    assert identity.is_authenticated
    assert identity.get_claim_value("aud") == world.bot.app_id
    assert identity.get_claim_value("serviceurl") == activity["serviceUrl"]

    other = SimpleCredentialProvider("someone-else", "x")
    with pytest.raises(PermissionError):
        await _run_in_thread(
            lambda: JwtTokenValidation.validate_auth_header(
                header, other, "", activity["channelId"], activity["serviceUrl"]
            )
        )


async def test_sdk_enforces_endorsements_of_the_emulators_unendorsed_key(
    served_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botframework.connector.auth import ChannelValidation, SimpleCredentialProvider

    world = served_world
    monkeypatch.setattr(
        ChannelValidation, "open_id_metadata_endpoint", world.emu.openid_metadata_url
    )
    emulator = world.emu.emulator
    emulator.channel_keys.add_key(["webchat"])  # now the active key is not endorsed for msteams
    header, activity = await _channel_activity(world)
    credentials = SimpleCredentialProvider(world.bot.app_id, world.bot.secret)
    with pytest.raises(Exception, match="endorsement"):
        await _run_in_thread(
            lambda: ChannelValidation.authenticate_channel_token_with_service_url(
                header, credentials, activity["serviceUrl"], "msteams"
            )
        )


async def test_parameterized_bot_framework_authentication_accepts(served_world: World) -> None:
    from botbuilder.schema import Activity
    from botframework.connector.auth import (
        BotFrameworkAuthenticationFactory,
        PasswordServiceClientCredentialFactory,
    )

    world = served_world
    header, activity = await _channel_activity(world)
    auth = BotFrameworkAuthenticationFactory.create(
        to_bot_from_channel_open_id_metadata_url=world.emu.openid_metadata_url,
        to_bot_from_channel_token_issuer=world.emu.token_issuer,
        to_channel_from_bot_login_url="https://login.example/",
        to_channel_from_bot_oauth_scope="https://api.botframework.com",
        credential_factory=PasswordServiceClientCredentialFactory(
            world.bot.app_id, world.bot.secret
        ),
    )
    sdk_activity = Activity().deserialize(activity)
    result = await _run_in_thread(lambda: auth.authenticate_request(sdk_activity, header))
    assert result.claims_identity.is_authenticated
    assert result.audience == "https://api.botframework.com"


def _credentials(world: World) -> Any:
    from botframework.connector.auth import MicrosoftAppCredentials

    token_url = world.emu.token_url(world.tenant.id)

    class EmulatorAppCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
        """MicrosoftAppCredentials whose token comes from the emulator (MSAL needs https)."""

        def get_access_token(self, force_refresh: bool = False) -> str:
            response = requests.post(
                token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.microsoft_app_id,
                    "client_secret": self.microsoft_app_password,
                    "scope": SCOPE,
                },
                timeout=10,
            )
            response.raise_for_status()
            return str(response.json()["access_token"])

    return EmulatorAppCredentials(world.bot.app_id, world.bot.secret, world.tenant.id)


def test_msal_refuses_a_plain_http_authority() -> None:
    from botframework.connector.auth import MicrosoftAppCredentials

    credentials = MicrosoftAppCredentials("app", "secret", "tenant")
    credentials.oauth_endpoint = "http://127.0.0.1:1/tenant"
    with pytest.raises(ValueError, match="https"):
        credentials.get_access_token()


async def test_connector_client_creates_a_thread_and_sends(served_world: World) -> None:
    from botbuilder.schema import Activity, ConversationParameters
    from botframework.connector import ConnectorClient
    from botframework.connector.teams import TeamsConnectorClient

    world = served_world
    credentials = _credentials(world)

    def scenario() -> dict[str, Any]:
        client = ConnectorClient(credentials, base_url=world.service_url)
        created = client.conversations.create_conversation(
            ConversationParameters(
                is_group=True,
                channel_data={"channel": {"id": world.channel.id}},
                activity=Activity(type="message", text="Codemark shared"),
                tenant_id=world.tenant.id,
            )
        )
        sent = client.conversations.send_to_conversation(
            created.id, Activity(type="message", text="first reply")
        )
        replied = client.conversations.reply_to_activity(
            created.id, sent.id, Activity(type="message", text="second reply")
        )
        client.conversations.update_activity(
            created.id, replied.id, Activity(type="message", text="second reply (edited)")
        )
        client.conversations.delete_activity(created.id, sent.id)
        members = client.conversations.get_conversation_paged_members(created.id, page_size=100)
        teams = TeamsConnectorClient(credentials, base_url=world.service_url)
        channels = teams.teams.get_teams_channels(world.team.id)
        details = teams.teams.get_team_details(world.team.id)
        return {
            "created": created,
            "members": [m.id for m in members.members],
            "channels": [(c.id, c.name) for c in channels.conversations],
            "team": details.name,
        }

    result = await asyncio.to_thread(scenario)
    created = result["created"]
    assert created.id == f"{world.channel.id};messageid={created.activity_id}"
    conversation = world.emu.emulator.world.conversations[world.channel.id]
    thread = conversation.thread(created.activity_id)
    assert [m.text for m in thread] == [
        "Codemark shared",
        "first reply",
        "second reply (edited)",
    ]
    assert [m.deleted for m in thread] == [False, True, False]
    assert result["members"] == [world.alice.id, world.bob.id]
    assert result["channels"] == [(world.team.id, None), (world.channel.id, "Releases")]
    assert result["team"] == "Engineering"
    # msrest percent-encodes the ids; the emulator decoded them once.
    paths = [e.url for e in world.emu.emulator.transcript.query(route="send_to_conversation")]
    assert "%3Bmessageid%3D" in paths[0]


def _refusal(call: Callable[[], Any]) -> Any:
    """The `ErrorResponseException` Microsoft's client raises for a refused call."""
    from botframework.connector.models import ErrorResponseException

    try:
        call()
    except ErrorResponseException as refused:
        return refused
    raise AssertionError("the call was not refused")


async def test_connector_client_reads_the_emulators_refusals(served_world: World) -> None:
    from botbuilder.schema import Activity
    from botframework.connector import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    world = served_world
    credentials = _credentials(world)

    class ForgedCredentials(MicrosoftAppCredentials):  # type: ignore[misc]
        """A token the emulator never issued."""

        def get_access_token(self, force_refresh: bool = False) -> str:
            return "not.a.token"

    message = Activity(type="message", text="hello")
    world.emu.emulator.faults.add("send_to_conversation", status=429, count=1)

    def scenario() -> dict[str, Any]:
        client = ConnectorClient(credentials, base_url=world.service_url)
        forged = ConnectorClient(
            ForgedCredentials(world.bot.app_id, "x", world.tenant.id), base_url=world.service_url
        )
        send = client.conversations.send_to_conversation
        return {
            "throttled": _refusal(lambda: send(world.channel.id, message)),
            "unauthorized": _refusal(
                lambda: forged.conversations.send_to_conversation(world.channel.id, message)
            ),
            "not found": _refusal(lambda: send("19:gone@thread.tacv2", message)),
            "after the throttle": send(world.channel.id, message),
        }

    result = await asyncio.to_thread(scenario)
    throttled = result["throttled"]
    assert throttled.response.status_code == 429
    assert throttled.response.headers["Retry-After"] == "1"
    assert throttled.error.error.code == "Throttled"
    assert result["after the throttle"].id
    unauthorized = result["unauthorized"]
    assert unauthorized.response.status_code == 401
    assert unauthorized.response.json() == {
        "message": "Authorization has been denied for this request."
    }
    not_found = result["not found"]
    assert not_found.response.status_code == 404
    assert not_found.error.error.code == "ConversationNotFound"

    await world.emu.driver.remove_bot(world.bot, world.team, by=world.alice)

    def after_removal() -> Any:
        client = ConnectorClient(credentials, base_url=world.service_url)
        return _refusal(
            lambda: client.conversations.send_to_conversation(world.channel.id, message)
        )

    forbidden = await asyncio.to_thread(after_removal)
    assert forbidden.response.status_code == 403
    assert forbidden.error.error.code == "BotNotInConversationRoster"
    statuses = [e.status for e in world.emu.emulator.transcript.query(route="send_to_conversation")]
    assert statuses == [429, 401, 404, 201, 403]
