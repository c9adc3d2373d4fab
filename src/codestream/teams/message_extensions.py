"""Message extensions: reading `composeExtension/query` and `composeExtension/queryLink` invokes
and the bodies Teams takes as their answers. Protocol only; what is searched or unfurled is the
bot's.

From Microsoft's "Respond to search command", "Link unfurling" and "Add authentication to your
message extension" pages, and the Bot Framework schema (`MessagingExtensionQuery`,
`AppBasedLinkQuery`, `MessagingExtensionResponse`, `CacheInfo`):

- a search sends `value: {commandId, parameters: [{name, value}], queryOptions: {skip, count},
  state?}`; the first run when the user opens the command has a parameter `initialRun` = "true";
- a pasted link of a domain the manifest's `messageHandlers` name sends `value: {url, state?}`;
- choosing a result whose preview has a `tap` of type `invoke` sends `composeExtension/selectItem`
  with `value` = the tap's value; the answer's first attachment is inserted (so a list of results
  can carry light previews and the full card is made only for the one chosen);
- the answer (HTTP 200, within 5 s) is `{"composeExtension": {"type": "result",
  "attachmentLayout": "list", "attachments": [...]}, "cacheInfo"?: {"cacheType", "cacheDuration"}}`;
  each attachment is the card inserted into the message, with a `preview` card for the list
  (for a link, only the first attachment is used); no attachments: nothing is unfurled;
- `{"composeExtension": {"type": "auth", "suggestedActions": {"actions": [{"type": "openUrl",
  "value": url, "title"}]}}}` asks the user to sign in: Teams opens `url` in its authentication
  window, and when the page calls `authentication.notifySuccess(code)` sends the same query
  again with `value.state` = the code;
- `{"composeExtension": {"type": "message", "text"}}` shows a sentence instead of results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from codestream.teams.activities import Activity, InvokeResponse

QUERY: Final = "composeExtension/query"
QUERY_LINK: Final = "composeExtension/queryLink"
SELECT_ITEM: Final = "composeExtension/selectItem"
THUMBNAIL: Final = "application/vnd.microsoft.card.thumbnail"
MAX_STATE: Final = 200
MAX_URL: Final = 2048
MAX_TEXT: Final = 200
DEFAULT_COUNT: Final = 25
MAX_COUNT: Final = 25
"""Teams asks for 25 results a page; more is never shown at once."""
MAX_SKIP: Final = 10_000


@dataclass(frozen=True)
class SearchQuery:
    """A `composeExtension/query` read defensively: the command, the text typed ("" on the
    first run), the page Teams asks for, and the sign-in `state` handed back."""

    command_id: str
    text: str
    initial_run: bool
    skip: int
    count: int
    state: str | None


@dataclass(frozen=True)
class LinkQuery:
    """A `composeExtension/queryLink`: the pasted URL and the sign-in `state` handed back."""

    url: str
    state: str | None


def _value(activity: Activity) -> dict[str, Any]:
    return activity.value if isinstance(activity.value, dict) else {}


def _state(value: dict[str, Any]) -> str | None:
    state = value.get("state")
    return state[: MAX_STATE + 1] if isinstance(state, str) and state else None


def _bounded(found: Any, default: int, low: int, high: int) -> int:
    if isinstance(found, bool) or not isinstance(found, int | str):
        return default
    try:
        number = int(found)
    except ValueError:
        return default
    return min(max(number, low), high)


def read_query(activity: Activity) -> SearchQuery:
    """The search; never raises, whatever was sent."""
    value = _value(activity)
    command = value.get("commandId")
    text, initial = "", False
    parameters = value.get("parameters")
    for parameter in parameters if isinstance(parameters, list) else []:
        if not isinstance(parameter, dict):
            continue
        name, typed = parameter.get("name"), parameter.get("value")
        if name == "initialRun":
            initial = str(typed).lower() == "true"
        elif isinstance(typed, str) and not text:
            text = typed[:MAX_TEXT]
    options = value.get("queryOptions")
    options = options if isinstance(options, dict) else {}
    return SearchQuery(
        command_id=command[:64] if isinstance(command, str) else "",
        text=text,
        initial_run=initial,
        skip=_bounded(options.get("skip"), 0, 0, MAX_SKIP),
        count=_bounded(options.get("count"), DEFAULT_COUNT, 1, MAX_COUNT),
        state=_state(value),
    )


def read_link(activity: Activity) -> LinkQuery:
    """The pasted link; an empty `url` when none (or a too long one) was sent."""
    value = _value(activity)
    url = value.get("url")
    return LinkQuery(
        url=url if isinstance(url, str) and len(url) <= MAX_URL else "", state=_state(value)
    )


def read_selected(activity: Activity) -> dict[str, Any]:
    """The chosen result's tap value (what `thumbnail(tap=...)` put there); {} when none."""
    return _value(activity)


def attachment(
    content_type: str, content: dict[str, Any], preview: dict[str, Any]
) -> dict[str, Any]:
    """One result: the card inserted into the message and the card shown in the list."""
    return {"contentType": content_type, "content": content, "preview": preview}


def thumbnail(
    title: str,
    text: str = "",
    subtitle: str = "",
    *,
    tap: dict[str, Any] | None = None,
    link: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A thumbnail card, the usual preview of a result; `tap`: choosing it sends
    `composeExtension/selectItem` with this value; `link`: a button (title, URL) opening a page."""
    content: dict[str, Any] = {"title": title}
    if subtitle:
        content["subtitle"] = subtitle
    if text:
        content["text"] = text
    if tap is not None:
        content["tap"] = {"type": "invoke", "value": tap}
    if link is not None:
        content["buttons"] = [{"type": "openUrl", "title": link[0], "value": link[1]}]
    return {"contentType": THUMBNAIL, "content": content}


def results(attachments: list[dict[str, Any]], *, cache_seconds: int = 0) -> InvokeResponse:
    """The results; `cache_seconds` > 0 lets Teams keep them that long (links), 0 asks it not
    to keep them."""
    body: dict[str, Any] = {
        "composeExtension": {
            "type": "result",
            "attachmentLayout": "list",
            "attachments": attachments,
        }
    }
    if cache_seconds > 0:
        body["cacheInfo"] = {"cacheType": "cache", "cacheDuration": cache_seconds}
    else:
        body["cacheInfo"] = {"cacheType": "no-cache"}
    return InvokeResponse(200, body)


def sign_in(url: str, title: str) -> InvokeResponse:
    """Ask the user to sign in at `url` (Teams' authentication window), then query again."""
    action = {"type": "openUrl", "value": url, "title": title}
    body = {"composeExtension": {"type": "auth", "suggestedActions": {"actions": [action]}}}
    return InvokeResponse(200, body)


def message(text: str) -> InvokeResponse:
    """A sentence in place of results."""
    return InvokeResponse(200, {"composeExtension": {"type": "message", "text": text}})
