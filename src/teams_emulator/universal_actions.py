"""Universal Actions as a Teams client plays them: `Action.Execute` clicks, card refresh, sign-in.

What Microsoft documents, and what this module does with it:

- "Universal Action Model" (Adaptive Cards docs): a click on an `Action.Execute` (or a card's
  `refresh`) sends the bot an `adaptiveCard/action` invoke whose `value.action` is a copy of the
  action, its `data` merged with the card's input values, and `value.trigger` `manual` (a click)
  or `automatic` (a refresh). The bot answers HTTP 200 with `{statusCode, type, value}`; a missing
  `statusCode` means 200. Answers: 200 card (shown in place of the card), 200 message (text shown),
  4xx/5xx `application/vnd.microsoft.error` (an error), 401 `...activity.loginRequest` (sign in).
- "User Specific Views" (Teams docs): the card an invoke returns "is sent only to the specific
  client that requested for it", so it replaces the card for the clicking user only; "a message
  update can be used to update the base card and simultaneously refresh the User Specific Card";
  a refresh is sent "only if the card from the last invoke is older than a minute".
- "User IDs in refresh": `userIds` lists at most 60 user MRIs, who get the refresh automatically
  when the card is shown; `userIds: []` means nobody does, and everyone gets "Refresh card" in the
  message's menu (a manual refresh); without `userIds`, Teams refreshes automatically for everyone
  in conversations of at most 60 members. A list over 60 is not documented; the emulator treats it
  as invalid (nobody is refreshed automatically) so a bot that breaks the limit notices.
- "Add third party authentication to Adaptive Cards Universal Actions": a 401 loginRequest answer
  carries an OAuthCard (`text`, `connectionName`, non-empty `buttons`; receivers may ignore it
  otherwise); Teams shows its Sign-In button, and after sign-in re-sends the same invoke with
  `value.state` set to the code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from teams_emulator.delivery import BotResponse
from teams_emulator.entities import BotApp, CardView, Message, User
from teams_emulator.messaging import Messaging

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
ERROR = "application/vnd.microsoft.error"
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"
INVALID_AUTH_CODE = "application/vnd.microsoft.error.invalidAuthCode"

INVOKE_TIMEOUT = 5.0
"""Seconds Teams waits for an invoke's answer (the documented five seconds for invokes)."""
MAX_REFRESH_USERS = 60
"""The most users a card's `refresh.userIds` may list (and conversation size for no list)."""
REFRESH_MIN_AGE = 60.0
"""An automatic refresh is sent only when the user's last invoke on the card is this old."""

UNREACHABLE = "Unable to reach app. Please try again."
SOMETHING_WRONG = "Something went wrong. Please try again."

AnswerKind = Literal["card", "message", "error", "login", "unreachable", "invalid"]
RefreshMode = Literal["automatic", "manual", "none"]
Trigger = Literal["manual", "automatic"]


@dataclass(frozen=True)
class CardAnswer:
    """What Teams makes of the bot's answer to an `adaptiveCard/action` invoke."""

    kind: AnswerKind
    text: str = ""
    """The text Teams shows (message, error, sign-in prompt)."""
    card: dict[str, Any] | None = None
    login: dict[str, Any] | None = None
    """The loginRequest's OAuthCard (`text`, `connectionName`, `buttons`)."""
    detail: str = ""
    """For a developer: why the answer was not understood."""

    def to_json(self) -> dict[str, Any]:
        """The answer as the page reads it."""
        return asdict(self)


def _invalid(detail: str) -> CardAnswer:
    return CardAnswer("invalid", SOMETHING_WRONG, detail=detail)


def _login(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value.get("connectionName"):
        return None
    buttons = value.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        return None
    return value


def read_answer(response: BotResponse) -> CardAnswer:
    """Teams' reading of the bot's HTTP answer to an `adaptiveCard/action` invoke."""
    if response.status != 200:
        why = response.error or f"HTTP {response.status}"
        return CardAnswer("unreachable", UNREACHABLE, detail=why)
    body = response.body
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return _invalid("the answer has no JSON body with a 'type'")
    code = body.get("statusCode", 200)
    code = 200 if code is None else code
    if not isinstance(code, int) or isinstance(code, bool) or not 200 <= code <= 599:
        return _invalid(f"statusCode {code!r} is not a number from 200 to 599")
    kind, value = body["type"], body.get("value")
    if kind == ADAPTIVE_CARD and code == 200:
        if isinstance(value, dict) and value.get("type") == "AdaptiveCard":
            return CardAnswer("card", card=value)
        return _invalid("a card answer's value must be an AdaptiveCard")
    if kind == MESSAGE and code == 200:
        if isinstance(value, str):
            return CardAnswer("message", value)
        return _invalid("a message answer's value must be a string")
    if kind == LOGIN_REQUEST and code == 401:
        login = _login(value)
        if login is None:
            return _invalid("a loginRequest needs value.connectionName and non-empty buttons")
        return CardAnswer("login", str(login.get("text") or "Sign in"), login=login)
    if kind.startswith(ERROR) and code >= 400:
        message = value.get("message") if isinstance(value, dict) else None
        if not message and kind == INVALID_AUTH_CODE:
            message = "The sign-in code was not accepted."
        return CardAnswer("error", str(message or SOMETHING_WRONG))
    return _invalid(f"type {kind!r} with statusCode {code} is not a documented answer")


@dataclass(frozen=True)
class RefreshPlan:
    """How a card's `refresh` applies to one user: automatic, manual (menu), or none."""

    mode: RefreshMode
    action: dict[str, Any] | None = None
    problem: str = ""

    def to_json(self) -> dict[str, Any]:
        """The plan as the page reads it (without the action)."""
        return {"mode": self.mode, "problem": self.problem}


def refresh_plan(card: dict[str, Any] | None, user_id: str, members: int) -> RefreshPlan:
    """The refresh Teams applies to `card` for the user `user_id` in a conversation of
    `members` people."""
    refresh = card.get("refresh") if isinstance(card, dict) else None
    if not isinstance(refresh, dict):
        return RefreshPlan("none")
    action = refresh.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return RefreshPlan("none", problem="refresh.action must be an Action.Execute")
    user_ids = refresh.get("userIds")
    if user_ids is None:
        if members <= MAX_REFRESH_USERS:
            return RefreshPlan("automatic", action)
        return RefreshPlan(
            "manual",
            action,
            f"no refresh.userIds and {members} members: Teams refreshes automatically only "
            f"in conversations of at most {MAX_REFRESH_USERS}",
        )
    if not isinstance(user_ids, list) or not all(isinstance(u, str) for u in user_ids):
        return RefreshPlan("manual", action, "refresh.userIds must be a list of user MRIs")
    if len(user_ids) > MAX_REFRESH_USERS:
        return RefreshPlan(
            "manual",
            action,
            f"refresh.userIds lists {len(user_ids)} users; Teams allows at most "
            f"{MAX_REFRESH_USERS}, so nobody is refreshed automatically",
        )
    return RefreshPlan("automatic" if user_id in user_ids else "manual", action)


def invoke_action(action: dict[str, Any], inputs: dict[str, Any] | None) -> dict[str, Any]:
    """`value.action` of the invoke: the action's type, id, title and verb, and its data merged
    with the card's input values."""
    data = action.get("data")
    copy: dict[str, Any] = {"type": "Action.Execute"}
    for key in ("id", "title", "verb"):
        if isinstance(action.get(key), str):
            copy[key] = action[key]
    copy["data"] = {**(data if isinstance(data, dict) else {}), **(inputs or {})}
    return copy


def base_card(message: Message) -> dict[str, Any] | None:
    """The message's own Adaptive Card (what every user sees without a view of their own)."""
    for attachment in message.attachments:
        if attachment.get("contentType") == ADAPTIVE_CARD and isinstance(
            attachment.get("content"), dict
        ):
            content: dict[str, Any] = attachment["content"]
            return content
    return None


def displayed_card(message: Message, user_id: str) -> dict[str, Any] | None:
    """The card `user_id` sees: their user-specific card, else the message's own."""
    view = message.views.get(user_id)
    if view is not None and view.card is not None:
        return view.card
    return base_card(message)


def refresh_is_due(message: Message, user_id: str, plan: RefreshPlan, now: float) -> bool:
    """Whether showing the card to `user_id` makes Teams send an automatic refresh at `now`:
    the plan says automatic and their last invoke on the card is a minute old (or none)."""
    if plan.mode != "automatic":
        return False
    view = message.views.get(user_id)
    last = view.invoked_at if view is not None else None
    return last is None or now - last >= REFRESH_MIN_AGE


class UniversalActions:
    """What a user's Teams client does with a bot's Adaptive Card and its Universal Actions."""

    def __init__(self, messaging: Messaging, *, timeout: float = INVOKE_TIMEOUT) -> None:
        self.messaging = messaging
        self.world = messaging.world
        self.clock = messaging.clock
        self.timeout = timeout

    async def execute_action(
        self,
        message: Message,
        user: User,
        *,
        verb: str | None = None,
        data: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        action_id: str | None = None,
        title: str | None = None,
        bot: BotApp | None = None,
        state: str | None = None,
    ) -> BotResponse:
        """Click an Action.Execute: an `adaptiveCard/action` invoke (`trigger` manual; `state`
        when re-sent after sign-in). A card answer replaces the card for `user` only."""
        defined: dict[str, Any] = {"verb": verb, "id": action_id, "title": title, "data": data}
        action = invoke_action(defined, inputs)
        return await self._invoke(message, user, action, "manual", state, bot)

    async def resume_action(
        self, message: Message, user: User, state: str, *, bot: BotApp | None = None
    ) -> BotResponse:
        """After the sign-in window handed back `state`: re-send the invoke that got the
        loginRequest, with `value.state`."""
        view = message.views.get(user.id)
        if view is None or view.prompt is None:
            raise ValueError(f"no sign-in is pending for {user.name} on message {message.id}")
        prompt = view.prompt
        return await self._invoke(message, user, prompt["action"], prompt["trigger"], state, bot)

    async def refresh_card(
        self,
        message: Message,
        user: User,
        *,
        trigger: Trigger | None = None,
        bot: BotApp | None = None,
    ) -> BotResponse:
        """Refresh the card for `user`: automatic if `refresh.userIds` lets Teams do it for them,
        else manual (the message menu's "Refresh card"); `trigger` forces one (automatic only
        where Teams would)."""
        plan = self.refresh_plan(message, user)
        if plan.mode == "none" or plan.action is None:
            raise ValueError(f"message {message.id} has no card with a refresh {plan.problem}")
        chosen: Trigger = trigger or ("automatic" if plan.mode == "automatic" else "manual")
        if chosen == "automatic" and plan.mode != "automatic":
            raise ValueError(f"Teams does not refresh this card for {user.name} automatically")
        action = invoke_action(plan.action, None)
        return await self._invoke(message, user, action, chosen, None, bot)

    async def show_card(
        self, message: Message, user: User, *, bot: BotApp | None = None
    ) -> dict[str, Any] | None:
        """`user` looks at the message: Teams refreshes the card automatically when due; the card
        they then see."""
        if self.refresh_due(message, user):
            await self.refresh_card(message, user, trigger="automatic", bot=bot)
        return self.card_for(message, user)

    def card_for(self, message: Message, user: User) -> dict[str, Any] | None:
        """The card `user` sees on the message."""
        return displayed_card(message, user.id)

    def view_of(self, message: Message, user: User) -> CardView:
        """`user`'s view of the message's card (sign-in prompt, notice, user-specific card)."""
        return message.views.get(user.id) or CardView()

    def refresh_plan(self, message: Message, user: User) -> RefreshPlan:
        """How the displayed card's `refresh` applies to `user`."""
        if not message.from_app or message.deleted:
            return RefreshPlan("none")
        conversation = self.world.conversations[message.conversation_id]
        members = len(self.world.members_of(conversation))
        return refresh_plan(self.card_for(message, user), user.id, members)

    def refresh_due(self, message: Message, user: User) -> bool:
        """Whether showing the card to `user` makes Teams send an automatic refresh now."""
        plan = self.refresh_plan(message, user)
        return refresh_is_due(message, user.id, plan, self.clock())

    def delete_message(self, message: Message) -> None:
        """The message disappears as when an admin or a retention policy removes it (a user
        cannot delete a bot's message in Teams); the bot's updates then get 404."""
        message.deleted = True
        message.views.clear()
        self.world.touch()

    async def _invoke(
        self,
        message: Message,
        user: User,
        action: dict[str, Any],
        trigger: Trigger,
        state: str | None,
        bot: BotApp | None,
    ) -> BotResponse:
        target, activity = self.messaging.action_frame("invoke", message, user, bot)
        value: dict[str, Any] = {"action": action, "trigger": trigger}
        if state is not None:
            value["state"] = state
        activity.update(name="adaptiveCard/action", value=value)
        response = await self.messaging.sender.send(target, activity, timeout=self.timeout)
        self._show(message, user, action, trigger, read_answer(response))
        return response

    def _show(
        self,
        message: Message,
        user: User,
        action: dict[str, Any],
        trigger: Trigger,
        answer: CardAnswer,
    ) -> None:
        view = message.views.setdefault(user.id, CardView())
        view.invoked_at = self.clock()
        if answer.kind == "card":
            view.card, view.prompt, view.notice = answer.card, None, None
        elif answer.kind == "login":
            view.prompt = {"login": answer.login, "action": action, "trigger": trigger}
            view.notice = None
        elif trigger == "manual":
            # Teams says nothing when a background refresh fails; a click gets its answer shown.
            view.notice = {"kind": answer.kind, "text": answer.text, "detail": answer.detail}
            if answer.kind == "message":
                view.prompt = None
        self.world.touch()
