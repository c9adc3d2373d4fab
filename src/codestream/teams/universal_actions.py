"""Universal Actions (`Action.Execute`): reading an `adaptiveCard/action` invoke and the bodies
Teams takes as its answer. Protocol only; what a verb means is the bot's.

The answer is always HTTP 200; its body says what happened (Microsoft's "Work with Universal
Actions for Adaptive Cards" and "Add third party authentication to Adaptive Cards Universal
Actions"):

- `{"statusCode": 200, "type": CARD, "value": <card>}`: show this card in place of the clicked one;
- `{"statusCode": 4xx/5xx, "type": ERROR, "value": {"code", "message"}}`: the action failed;
- `{"statusCode": 401, "type": LOGIN_REQUEST, "value": <OAuthCard>}`: Teams shows a Sign in button
  that opens the card's URL in its authentication window; when the page calls
  `authentication.notifySuccess(code)`, Teams sends the same action again with `value.state`;
- `{"statusCode": 401, "type": INVALID_AUTH_CODE}`: that `state` was not right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codestream.teams.activities import Activity, InvokeResponse
from codestream.teams.cards import CONTENT_TYPE

INVOKE_NAME = "adaptiveCard/action"
CARD = CONTENT_TYPE
ERROR = "application/vnd.microsoft.error"
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"
INVALID_AUTH_CODE = "application/vnd.microsoft.error.invalidAuthCode"
MAX_VERB = 100
MAX_STATE = 200
"""A `state` longer than this is no code of ours: read as absent-but-wrong."""


@dataclass(frozen=True)
class ActionInvoke:
    """An `adaptiveCard/action` invoke read defensively: the verb ("" when missing), the data
    (input values merged in by Teams), the sign-in `state` handed back, and the trigger
    (`manual` for a click, `automatic` for a refresh Teams made on its own)."""

    verb: str
    data: dict[str, Any]
    state: str | None
    trigger: str


def read_action(activity: Activity) -> ActionInvoke:
    """The invoke's action; never raises, whatever Teams (or anyone) sent."""
    value = activity.value if isinstance(activity.value, dict) else {}
    found = value.get("action")
    action: dict[str, Any] = found if isinstance(found, dict) else {}
    verb = action.get("verb")
    data = action.get("data")
    state = value.get("state")
    trigger = value.get("trigger")
    return ActionInvoke(
        verb=verb if isinstance(verb, str) and len(verb) <= MAX_VERB else "",
        data=data if isinstance(data, dict) else {},
        state=state[: MAX_STATE + 1] if isinstance(state, str) and state else None,
        trigger=trigger if trigger in ("manual", "automatic") else "manual",
    )


def card_answer(card: dict[str, Any]) -> InvokeResponse:
    """Show `card` in place of the one clicked (for the clicking user)."""
    return InvokeResponse(200, {"statusCode": 200, "type": CARD, "value": card})


def error_answer(status: int, code: str, message: str) -> InvokeResponse:
    """The action failed: `status` 400-599, a machine `code` and a sentence for the user."""
    assert 400 <= status <= 599
    return InvokeResponse(
        200, {"statusCode": status, "type": ERROR, "value": {"code": code, "message": message}}
    )


def login_request(text: str, url: str, *, connection_name: str, title: str) -> InvokeResponse:
    """Ask Teams to sign the user in at `url` (its authentication window), then send the action
    again with the code the page handed back as `value.state`."""
    button = {"type": "signin", "title": title, "text": title, "value": url}
    value = {"text": text, "connectionName": connection_name, "buttons": [button]}
    return InvokeResponse(200, {"statusCode": 401, "type": LOGIN_REQUEST, "value": value})


def invalid_auth_code() -> InvokeResponse:
    """The `state` handed back was not a code for this user: Teams may ask them again."""
    return InvokeResponse(200, {"statusCode": 401, "type": INVALID_AUTH_CODE})
