"""The Teams-like page: static files and the JSON the page reads and posts.

The page only calls the driver, so whatever a person does there reaches the bot exactly as a test's
driver call would (signed activity, headers, transcript).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from teams_emulator.delivery import BotResponse
from teams_emulator.driver import Driver
from teams_emulator.emulator import TEAMS_JS_PATH, Emulator
from teams_emulator.entities import Message, User
from teams_emulator.routing import json_body
from teams_emulator.universal_actions import read_answer
from teams_emulator.web.compose_routes import compose_routes
from teams_emulator.web.views import conversation_view, sidebar_state

STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "cards.js": "text/javascript; charset=utf-8",
    "cardview.js": "text/javascript; charset=utf-8",
    "installs.js": "text/javascript; charset=utf-8",
    "compose.js": "text/javascript; charset=utf-8",
    "signin.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}


def _static(name: str) -> str:
    return resources.files("teams_emulator.web").joinpath("static", name).read_text("utf-8")


def _result(response: BotResponse | None, *, card_action: bool = False) -> JSONResponse:
    if response is None:
        return JSONResponse({"delivered": False})
    result = {
        "delivered": True,
        "status": response.status,
        "body": response.body,
        "error": response.error,
    }
    if card_action:
        result["answer"] = read_answer(response).to_json()
    return JSONResponse(result)


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "bad_request", "message": message}}, 400)


class WebApi:
    """Handlers behind the page."""

    def __init__(self, emulator: Emulator, driver: Driver) -> None:
        self.emulator = emulator
        self.world = emulator.world
        self.driver = driver

    async def index(self, request: Request) -> Response:
        """The page."""
        return HTMLResponse(_static("index.html"))

    async def static(self, request: Request) -> Response:
        """The page's scripts and styles."""
        name = request.path_params["name"]
        if name not in STATIC:
            return Response(status_code=404)
        return Response(_static(name), media_type=STATIC[name])

    async def teams_js(self, request: Request) -> Response:
        """The TeamsJS stand-in: a sign-in page in the authentication window loads it."""
        return Response(_static("teamsjs.js"), media_type=STATIC["app.js"])

    async def state(self, request: Request) -> Response:
        """Teams, channels, chats, users and bots for the sidebar."""
        return JSONResponse(sidebar_state(self.emulator))

    async def version(self, request: Request) -> Response:
        """A number that changes whenever anything visible changes (the page polls it)."""
        return JSONResponse({"version": self.world.version})

    async def conversation(self, request: Request) -> Response:
        """The messages of one conversation, grouped into threads, as the user `?as=` sees them."""
        view = conversation_view(
            self.emulator, request.path_params["conversation_id"], request.query_params.get("as")
        )
        if view is None:
            return JSONResponse({"error": "no such conversation"}, 404)
        return JSONResponse(view)

    async def post_message(self, request: Request) -> Response:
        """A user types a message: `{conversationId, userId, text, rootId?, mention?}`."""
        spec = json_body(await request.body()) or {}
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        user = self.world.users.get(str(spec.get("userId")))
        text = str(spec.get("text") or "").strip()
        if conversation is None or user is None or not text:
            return JSONResponse({"error": "conversationId, userId and text are required"}, 400)
        driver = self.driver
        if conversation.kind == "personal":
            bot = self.world.bots[conversation.bot_app_id or ""]
            if not self.world.bot_reaches_user(bot, user.id):
                return _bad(f"{bot.name} is not installed for {user.name}: add it from Chat first")
            return _result(await driver.send_personal_message(bot, user, text))
        mention = bool(spec.get("mention", True))
        root = conversation.messages.get(str(spec.get("rootId") or ""))
        if root is not None:
            return _result(await driver.reply(root, user, text, mention=mention))
        channel = self.world.channels[conversation.id]
        return _result(await driver.post_message(channel, user, text, mention=mention))

    async def action(self, request: Request) -> Response:
        """A user clicks a card action: `{conversationId, messageId, userId, action, inputs}`."""
        spec = json_body(await request.body()) or {}
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        user = self.world.users.get(str(spec.get("userId")))
        message = conversation.messages.get(str(spec.get("messageId"))) if conversation else None
        action = spec.get("action") or {}
        if message is None or user is None or not isinstance(action, dict):
            return JSONResponse({"error": "conversationId, messageId, userId, action"}, 400)
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        inputs = spec.get("inputs") if isinstance(spec.get("inputs"), dict) else {}
        driver = self.driver
        if action.get("type") == "Action.Execute":
            response = await driver.execute_action(
                message,
                user,
                verb=action.get("verb"),
                data=data,
                inputs=inputs,
                action_id=action.get("id"),
                title=action.get("title"),
            )
            return _result(response, card_action=True)
        return _result(await driver.submit_action(message, user, data, inputs=inputs))

    def _card_message(self, spec: dict[str, Any]) -> tuple[Message, User] | None:
        """The bot's message and the user a card request names, if both exist."""
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        user = self.world.users.get(str(spec.get("userId")))
        message = conversation.messages.get(str(spec.get("messageId"))) if conversation else None
        if message is None or user is None or not message.from_app or message.deleted:
            return None
        return message, user

    async def resume(self, request: Request) -> Response:
        """The sign-in window of a loginRequest handed back `state`:
        `{conversationId, messageId, userId, state}`; Teams re-sends the action with it."""
        spec = json_body(await request.body()) or {}
        found = self._card_message(spec)
        state = spec.get("state")
        if found is None or not isinstance(state, str):
            return _bad("conversationId, messageId (a bot's card), userId and state are required")
        message, user = found
        if self.driver.view_of(message, user).prompt is None:
            return _bad(f"no sign-in is pending for {user.name} on this card")
        return _result(await self.driver.resume_action(message, user, state), card_action=True)

    async def refresh(self, request: Request) -> Response:
        """The card is shown (`trigger` automatic) or its menu's Refresh card is clicked
        (manual): `{conversationId, messageId, userId, trigger}`."""
        spec = json_body(await request.body()) or {}
        found = self._card_message(spec)
        trigger = spec.get("trigger")
        if found is None or trigger not in ("automatic", "manual"):
            return _bad("conversationId, messageId (a bot's card), userId, trigger are required")
        message, user = found
        plan = self.driver.universal_actions.refresh_plan(message, user)
        if plan.mode == "none" or (trigger == "automatic" and plan.mode != "automatic"):
            return _bad(f"Teams would not send a {trigger} refresh of this card for {user.name}")
        response = await self.driver.refresh_card(message, user, trigger=trigger)
        return _result(response, card_action=True)

    async def delete(self, request: Request) -> Response:
        """The message disappears as an admin would remove it: `{conversationId, messageId}`."""
        spec = json_body(await request.body()) or {}
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        message = conversation.messages.get(str(spec.get("messageId"))) if conversation else None
        if message is None:
            return _bad("conversationId and messageId of an existing message are required")
        self.driver.delete_message(message)
        return JSONResponse({"deleted": message.id})

    async def signin(self, request: Request) -> Response:
        """The sign-in window handed back `state` (its page called `notifySuccess(state)`):
        `{conversationId, messageId, userId, state}`; Teams sends the bot `signin/verifyState`."""
        spec = json_body(await request.body()) or {}
        conversation = self.world.conversations.get(str(spec.get("conversationId")))
        user = self.world.users.get(str(spec.get("userId")))
        message = conversation.messages.get(str(spec.get("messageId"))) if conversation else None
        state = spec.get("state")
        if message is None or not message.from_bot or user is None or not isinstance(state, str):
            return JSONResponse({"error": "conversationId, messageId, userId, state"}, 400)
        return _result(await self.driver.verify_signin_state(message, user, state))

    async def install(self, request: Request) -> Response:
        """Add or remove a bot: `{appId, teamId | userId, remove?, consent?: [RSC names]}`."""
        spec = json_body(await request.body()) or {}
        bot = self.world.bots.get(str(spec.get("appId")))
        team = self.world.teams.get(str(spec.get("teamId")))
        user = self.world.users.get(str(spec.get("userId")))
        if bot is None or (team is None and user is None):
            return JSONResponse({"error": "appId and teamId or userId are required"}, 400)
        driver = self.driver
        remove = bool(spec.get("remove"))
        if team is not None:
            consent = spec.get("consent") or []
            if not isinstance(consent, list) or not all(isinstance(c, str) for c in consent):
                return JSONResponse({"error": "consent must be a list of permission names"}, 400)
            done = await (
                driver.remove_bot(bot, team)
                if remove
                else driver.install_bot(bot, team, consent=consent)
            )
        else:
            assert user is not None
            done = await (
                driver.remove_bot_personal(bot, user)
                if remove
                else driver.install_bot_personal(bot, user)
            )
        return JSONResponse({"statuses": [r.status for r in done]})


def web_routes(emulator: Emulator, driver: Driver) -> list[Route]:
    """The page and its JSON API; what a person does there, `driver` does."""
    api = WebApi(emulator, driver)
    return [
        Route("/", api.index, methods=["GET"]),
        Route("/_emulator/ui/static/{name}", api.static, methods=["GET"]),
        Route("/_emulator/ui/state", api.state, methods=["GET"]),
        Route("/_emulator/ui/version", api.version, methods=["GET"]),
        Route("/_emulator/ui/conversations/{conversation_id}", api.conversation, methods=["GET"]),
        Route("/_emulator/ui/messages", api.post_message, methods=["POST"]),
        Route("/_emulator/ui/actions", api.action, methods=["POST"]),
        Route("/_emulator/ui/actions/resume", api.resume, methods=["POST"]),
        Route("/_emulator/ui/refresh", api.refresh, methods=["POST"]),
        Route("/_emulator/ui/messages/delete", api.delete, methods=["POST"]),
        Route("/_emulator/ui/signin", api.signin, methods=["POST"]),
        Route(TEAMS_JS_PATH, api.teams_js, methods=["GET"]),
        Route("/_emulator/ui/install", api.install, methods=["POST"]),
        *compose_routes(driver),
    ]
