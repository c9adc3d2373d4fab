"""The page's compose box with message extensions: a pasted link of a registered domain sends
`composeExtension/queryLink`, the apps flyout's search sends `composeExtension/query`, a chosen
result is inserted into the conversation. Every call goes through `Driver.compose`, so the page
reaches the bot exactly as a test does (signed invoke, Teams' limits on the answer)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from teams_emulator.compose import ComposeAnswer
from teams_emulator.driver import Driver
from teams_emulator.entities import BotApp, Conversation, User
from teams_emulator.routing import json_body


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "bad_request", "message": message}}, 400)


def _answer(answer: ComposeAnswer) -> JSONResponse:
    return JSONResponse({"answer": answer.to_json()})


class ComposeApi:
    """Handlers behind the compose box and the apps flyout."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.compose = driver.compose
        self.world = driver.emulator.world

    def _where(self, spec: dict[str, Any]) -> tuple[Conversation, User] | None:
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        user = self.world.users.get(str(spec.get("userId")))
        return None if conversation is None or user is None else (conversation, user)

    def _bot(self, spec: dict[str, Any]) -> BotApp | None:
        app_id = str(spec.get("appId"))
        return self.world.bots.get(app_id) if app_id in self.compose.extensions else None

    async def apps(self, request: Request) -> Response:
        """The apps with a message extension: `[{appId, name, domains}]`."""
        return JSONResponse(
            [
                {"appId": app_id, "name": self.world.bots[app_id].name, "domains": list(e.domains)}
                for app_id, e in self.compose.extensions.items()
                if app_id in self.world.bots
            ]
        )

    async def link(self, request: Request) -> Response:
        """A link pasted: `{conversationId, userId, url}`; `{registered: false}` when no app
        registered its domain (Teams then sends nothing)."""
        spec = json_body(await request.body()) or {}
        where, url = self._where(spec), spec.get("url")
        if where is None or not isinstance(url, str) or not url.strip():
            return _bad("conversationId, userId and url are required")
        bot = self.compose.bot_for_link(url)
        if bot is None:
            return JSONResponse({"registered": False})
        answer = await self.compose.query_link(where[0], where[1], url.strip(), bot=bot)
        return JSONResponse({"registered": True, "appId": bot.app_id, "answer": answer.to_json()})

    async def search(self, request: Request) -> Response:
        """A search typed in an app's flyout: `{conversationId, userId, appId, text, skip?}`."""
        spec = json_body(await request.body()) or {}
        where, bot, text = self._where(spec), self._bot(spec), spec.get("text", "")
        skip = spec.get("skip", 0)
        if where is None or bot is None or not isinstance(text, str) or not isinstance(skip, int):
            return _bad("conversationId, userId, appId (an app with an extension), text required")
        answer = await self.compose.search(where[0], where[1], text, bot=bot, skip=max(skip, 0))
        return _answer(answer)

    async def resume(self, request: Request) -> Response:
        """The sign-in window handed back `state`: `{userId, appId, state}`; the query again."""
        spec = json_body(await request.body()) or {}
        user, bot, state = self.world.users.get(str(spec.get("userId"))), self._bot(spec), None
        state = spec.get("state")
        if user is None or bot is None or not isinstance(state, str):
            return _bad("userId, appId and state are required")
        try:
            answer = await self.compose.resume(user, bot, state)
        except ValueError as exc:
            return _bad(str(exc))
        return _answer(answer)

    async def insert(self, request: Request) -> Response:
        """A result chosen (or a previewed link sent): `{conversationId, userId, appId,
        attachment}`; a result with a tap asks the bot for the card first."""
        spec = json_body(await request.body()) or {}
        where, bot, attachment = self._where(spec), self._bot(spec), spec.get("attachment")
        if where is None or bot is None or not isinstance(attachment, dict):
            return _bad("conversationId, userId, appId and attachment are required")
        chosen = await self.compose.choose(where[0], where[1], attachment, bot)
        answer = chosen.answer.to_json() if chosen.answer is not None else None
        message_id = chosen.message.id if chosen.message is not None else None
        return JSONResponse({"messageId": message_id, "answer": answer})


def compose_routes(driver: Driver) -> list[Route]:
    """The compose box's JSON API."""
    api = ComposeApi(driver)
    return [
        Route("/_emulator/ui/compose/apps", api.apps, methods=["GET"]),
        Route("/_emulator/ui/compose/link", api.link, methods=["POST"]),
        Route("/_emulator/ui/compose/search", api.search, methods=["POST"]),
        Route("/_emulator/ui/compose/resume", api.resume, methods=["POST"]),
        Route("/_emulator/ui/compose/insert", api.insert, methods=["POST"]),
    ]
