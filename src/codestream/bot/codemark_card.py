"""The codemark card: an Adaptive Card 1.5 (Microsoft's typed `microsoft-teams-cards` models) that
a share posts into a Teams channel.

What it shows, top to bottom: who did what ("Ada Lovelace opened an issue"), the status (issues
always, others once resolved), the title, the text (markdown), the assignees, the reply count and
the last reply, and per marker `[repo] path (Lines A-B)` with the snippet as a Teams
`CodeBlock` (language, first line number; a monospace TextBlock where CodeBlock is unknown).
Actions (Universal Actions, `Action.Execute`, answered by `bot/card_actions.py`): a Reply box,
Resolve or Reopen and Assign to me or Unassign me (issues); then the links Open in IDE, Open on
GitHub/GitLab/Bitbucket/Azure DevOps (line-anchored), Open on web. The card carries a `refresh`
(verb `codemark.refresh`) listing the Teams users Teams refreshes it for, so each sees the buttons
that apply to them (`CardView`): the card posted to a channel is the shared view; a refresh answers
a member's view, or, for anyone who may not act, the card with a Sign in button instead.
A deleted codemark's card says only that. Every change of the codemark re-renders the card and
replaces it in Teams (`domain/services/card_updates.py`).

Pure: no I/O. Long snippets are cut with a "view all" link, and the whole message activity is kept
under `MAX_ACTIVITY_BYTES`, well inside Teams' 28 KB message limit. Names, titles and paths go in
TextRuns, which Teams never reads as markdown; only the codemark's text is markdown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    OpenUrlAction,
    RichTextBlock,
    TextBlock,
    TextRun,
)

from codestream.bot.card_code import (
    code_language,
    cut,
    marker_elements,
    open_links,
)
from codestream.bot.card_views import (
    SHARED_VIEW,
    CardView,
    codemark_actions,
    refresh_of,
    reply_box,
)
from codestream.domain.messages import CodemarkCardData, ReplyCardData, StatusLineData
from codestream.domain.models import (
    Codemark,
    CodemarkStatus,
    CodemarkType,
    Origin,
    User,
)
from codestream.teams.cards import VERSION, message

TEAMS_MESSAGE_LIMIT = 28 * 1024
MAX_ACTIVITY_BYTES = 26 * 1024
"""Our budget for the activity, as ASCII-escaped JSON (the largest encoding a sender may use),
leaving room for the create-conversation envelope around it."""

MAX_TEXT = 2_000
MAX_SNIPPET_LINES = 30
MAX_SNIPPET_CHARS = 3_000
MAX_MARKERS = 3
MIN_TEXT = 200
MIN_SNIPPET_CHARS = 200
MAX_LINE = 120
"""Titles, names and locations past this many characters are cut in the last resort."""
MAX_SUMMARY = 150
MAX_LAST_REPLY = 200
"""The last reply's first line on the card is cut here (the whole reply is in the thread)."""
DELETED_TEXT = "This codemark was deleted."


_ACTIONS = {
    CodemarkType.COMMENT: ("commented on code", "commented"),
    CodemarkType.QUESTION: ("asked a question", "asked a question"),
    CodemarkType.ISSUE: ("opened an issue", "opened an issue"),
    CodemarkType.BOOKMARK: ("bookmarked code", "added a bookmark"),
}
"""What the author did: with markers, without."""


@dataclass(frozen=True)
class _Limits:
    """How much of the variable content the card carries; shrunk until the card fits."""

    text: int = MAX_TEXT
    snippet_chars: int = MAX_SNIPPET_CHARS
    snippet_lines: int = MAX_SNIPPET_LINES
    markers: int = MAX_MARKERS
    line: int | None = None


def render_codemark_activity(
    data: CodemarkCardData, view: CardView = SHARED_VIEW
) -> dict[str, Any]:
    """The message activity carrying the codemark's card, under `MAX_ACTIVITY_BYTES`.

    This is `BotMessages.codemark` (the shared view).
    """
    limits = _Limits()
    for _ in range(40):
        activity = _activity(data, view, limits)
        if activity_size(activity) <= MAX_ACTIVITY_BYTES:
            return activity
        limits = _shrink(limits)
    raise AssertionError("a codemark card could not be made small enough")  # pragma: no cover


def render_reply_activity(data: ReplyCardData) -> dict[str, Any]:
    """The message a reply becomes in the thread of a card of its codemark: who replied and
    where (CodeStream, or another card's thread in Teams), the text (markdown, cut at MAX_TEXT
    with a link to the rest), Open on web.

    This is `BotMessages.reply`.
    """
    author = cut(_person(data.author), MAX_LINE)
    text = _text_or_link(data.post.text, MAX_TEXT, data.permalink)
    where = " replied in Teams" if data.post.origin is Origin.TEAMS else " replied in CodeStream"
    card = AdaptiveCard(
        version=VERSION,
        body=[
            RichTextBlock(
                inlines=[
                    TextRun(text=author, weight="Bolder"),
                    TextRun(text=where, is_subtle=True),
                ]
            ),
            TextBlock(text=text, wrap=True, spacing="Small"),
        ],
        actions=[OpenUrlAction(title="Open on web", url=data.permalink)],
        fallback_text=f"{author}{where}",
    )
    first_line = data.post.text.strip().split("\n", 1)[0]
    return _message(card, f"{author} replied: {first_line}")


def render_status_line(data: StatusLineData) -> dict[str, Any]:
    """The line a status change posts into each card's thread: "Ada Lovelace resolved this".

    This is `BotMessages.status_line`.
    """
    did = "resolved" if data.status is CodemarkStatus.CLOSED else "reopened"
    line = f"{cut(_person(data.actor), MAX_LINE)} {did} this"
    card = AdaptiveCard(
        version=VERSION,
        body=[TextBlock(text=line, wrap=True, is_subtle=True)],
        fallback_text=line,
    )
    return _message(card, line)


def status_label(codemark: Codemark) -> str | None:
    """What the card says of the status: issues always ("Open", "Resolved"), other kinds only
    once resolved."""
    if codemark.status is CodemarkStatus.CLOSED:
        return "Resolved"
    return "Open" if codemark.type is CodemarkType.ISSUE else None


def render_codemark_card(data: CodemarkCardData, view: CardView = SHARED_VIEW) -> dict[str, Any]:
    """Just the Adaptive Card (the attachment's content) of `render_codemark_activity`: what an
    `adaptiveCard/action` invoke answers."""
    content: dict[str, Any] = render_codemark_activity(data, view)["attachments"][0]["content"]
    return content


def activity_size(activity: dict[str, Any]) -> int:
    """Bytes of the activity as ASCII-escaped JSON: an upper bound for any sender's encoding."""
    return len(json.dumps(activity, ensure_ascii=True, separators=(",", ":")))


def action_phrase(codemark: Codemark) -> str:
    """ "commented on code", "asked a question", "opened an issue", "bookmarked code"."""
    with_code, without = _ACTIONS[codemark.type]
    return with_code if codemark.markers else without


def _text_or_link(text: str, limit: int, permalink: str) -> str:
    """Markdown text up to `limit`; past it, cut, with a link to the rest on the web."""
    if len(text) <= limit:
        return text
    return f"{cut(text, limit)}\n\n[Read it all]({permalink})"


def _person(user: User | None) -> str:
    if user is None:
        return "A former member"
    return user.full_name or user.username


def _activity(data: CodemarkCardData, view: CardView, limits: _Limits) -> dict[str, Any]:
    codemark = data.codemark
    headline = codemark.title or codemark.text.strip().split("\n", 1)[0]
    return _message(
        _card(data, view, limits), f"{_person(data.author)} {action_phrase(codemark)}: {headline}"
    )


def _message(card: AdaptiveCard, summary: str) -> dict[str, Any]:
    """A message activity carrying one card, with the summary Teams shows in notifications."""
    content = card.model_dump(mode="json", exclude_none=True, by_alias=True)
    return message(_integral_line_numbers(content), cut(summary, MAX_SUMMARY))


_INTEGRAL = ("startLineNumber", "maxLength")


def _integral_line_numbers(node: Any) -> Any:
    """The models type `startLineNumber` and `maxLength` as floats; Teams' samples send
    integers."""
    if isinstance(node, dict):
        return {
            k: int(v) if k in _INTEGRAL and isinstance(v, float) else _integral_line_numbers(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_integral_line_numbers(v) for v in node]
    return node


def _card(data: CodemarkCardData, view: CardView, limits: _Limits) -> AdaptiveCard:
    codemark = data.codemark
    author = cut(_person(data.author), limits.line)
    if codemark.deactivated:
        return AdaptiveCard(
            version=VERSION,
            body=[TextBlock(text=DELETED_TEXT, wrap=True, is_subtle=True)],
            fallback_text=DELETED_TEXT,
        )
    body: list[CardElement] = [
        RichTextBlock(
            inlines=[
                TextRun(text=author, weight="Bolder"),
                TextRun(text=f" {action_phrase(codemark)}", is_subtle=True),
            ]
        )
    ]
    if codemark.title:
        body.append(
            RichTextBlock(
                inlines=[
                    TextRun(text=cut(codemark.title, limits.line), size="Medium", weight="Bolder")
                ],
                spacing="Small",
            )
        )
    status = status_label(codemark)
    if status is not None:
        color = "Good" if codemark.status is CodemarkStatus.CLOSED else "Attention"
        body.append(
            RichTextBlock(
                inlines=[
                    TextRun(text="Status: ", is_subtle=True),
                    TextRun(text=status, weight="Bolder", color=color),
                ],
                spacing="Small",
            )
        )
    if codemark.text:
        text = (
            _text_or_link(codemark.text, limits.text, data.permalink)
            if limits.text > 0
            else f"[Read the text on the web]({data.permalink})"
        )
        body.append(TextBlock(text=text, wrap=True, spacing="Small"))
    if data.assignees:
        names = ", ".join(cut(_person(u), limits.line) for u in data.assignees)
        body.append(
            RichTextBlock(
                inlines=[
                    TextRun(text="Assignees: ", is_subtle=True),
                    TextRun(text=names),
                ],
                spacing="Small",
            )
        )
    body.extend(_discussion(data, limits))
    for marker in codemark.markers[: 0 if view.compact else limits.markers]:
        body.extend(
            marker_elements(
                data,
                marker,
                snippet_chars=limits.snippet_chars,
                snippet_lines=limits.snippet_lines,
                line=limits.line,
            )
        )
    hidden = len(codemark.markers) - limits.markers
    if hidden > 0 and not view.compact:
        more = "1 more location" if hidden == 1 else f"{hidden} more locations"
        body.append(TextBlock(text=f"[{more} on the web]({data.permalink})", wrap=True))
    if view.may_act:
        body.extend(reply_box(codemark))
    return AdaptiveCard(
        version=VERSION,
        body=body,
        actions=[*codemark_actions(codemark, view), *open_links(data)],
        fallback_text=cut(f"{author} {action_phrase(codemark)}", MAX_SUMMARY),
        refresh=None if view.compact else refresh_of(data),
    )


def _discussion(data: CodemarkCardData, limits: _Limits) -> list[CardElement]:
    """ "3 replies", and the last one's author and first line."""
    if data.reply_count <= 0:
        return []
    count = "1 reply" if data.reply_count == 1 else f"{data.reply_count} replies"
    inlines = [TextRun(text=count, is_subtle=True)]
    last = data.last_reply
    if last is not None:
        first_line = last.text.strip().split("\n", 1)[0]
        where = " (in Teams)" if last.origin is Origin.TEAMS else ""
        inlines += [
            TextRun(text=" · last from ", is_subtle=True),
            TextRun(text=cut(_person(last.author), limits.line), weight="Bolder"),
            TextRun(text=f"{where}: ", is_subtle=True),
            TextRun(text=cut(first_line, min(limits.line or MAX_LAST_REPLY, MAX_LAST_REPLY))),
        ]
    return [RichTextBlock(inlines=inlines, spacing="Small")]


def _shrink(limits: _Limits) -> _Limits:
    """The next, smaller set of limits: halve the text and snippets, then fewer markers and
    snippets, then cut titles, names and locations short."""
    if limits.text > MIN_TEXT or limits.snippet_chars > MIN_SNIPPET_CHARS:
        return replace(
            limits,
            text=max(limits.text // 2, MIN_TEXT),
            snippet_chars=max(limits.snippet_chars // 2, MIN_SNIPPET_CHARS),
            snippet_lines=max(limits.snippet_lines // 2, 5),
        )
    if limits.markers > 1:
        return replace(limits, markers=1)
    if limits.snippet_chars > 0:
        return replace(limits, snippet_chars=0)
    if limits.line is None:
        return replace(limits, line=MAX_LINE)
    if limits.text > 0:
        return replace(limits, text=0, line=40)
    return replace(limits, markers=0, line=20)


__all__ = [
    "MAX_ACTIVITY_BYTES",
    "TEAMS_MESSAGE_LIMIT",
    "action_phrase",
    "activity_size",
    "code_language",
    "render_codemark_activity",
    "render_codemark_card",
    "render_reply_activity",
    "render_status_line",
    "status_label",
]
