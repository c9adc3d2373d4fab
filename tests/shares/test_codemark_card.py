"""The codemark card a share posts to Teams: what a reader sees, for each kind of codemark, and
that it stays valid and under Teams' size limit whatever the content (see card_rules)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.shares.card_rules import ascii_json_size, check_activity, walk

from codestream.bot.codemark_card import render_codemark_activity
from codestream.domain.messages import CodemarkCardData
from codestream.domain.models import (
    Codemark,
    CodemarkStatus,
    CodemarkType,
    LineRange,
    Marker,
    Origin,
    Repo,
    User,
)

PERMALINK = "https://codestream.example.com/c/0000018f0a0b0c0d0e0f1011"
ADA = User("a" * 24, "ada@example.com", "ada", "Ada Lovelace", "", 1, 1)
GRACE = User("b" * 24, "grace@example.com", "grace", "Grace Hopper", "", 1, 1)
ALAN = User("c" * 24, "alan@example.com", "alan", "", "", 1, 1)


def _repo(remote: str = "git@github.com:analytical-engines/billing.git") -> Repo:
    return Repo("d" * 24, "t" * 24, "billing", (remote,), "x", 1, 1)


def _marker(code: str = "def total(lines):\n    return sum(lines)", **kw: Any) -> Marker:
    fields: dict[str, Any] = {
        "id": "e" * 24,
        "codemark_id": "f" * 24,
        "file": "src/billing/invoice.py",
        "lines": LineRange(12, 13),
        "code": code,
        "repo_id": "d" * 24,
        "commit_sha": "3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        "language": "python",
    }
    fields.update(kw)
    return Marker(**fields)


def _codemark(kind: CodemarkType = CodemarkType.COMMENT, **kw: Any) -> Codemark:
    fields: dict[str, Any] = {
        "id": "f" * 24,
        "team_id": "t" * 24,
        "creator_id": ADA.id,
        "type": kind,
        "title": "" if kind is CodemarkType.COMMENT else "Rounding loses cents",
        "text": "We round **per invoice**, then sum.",
        "status": CodemarkStatus.OPEN,
        "origin": Origin.API,
        "created_at": 1,
        "modified_at": 1,
        "markers": (_marker(),),
    }
    fields.update(kw)
    return Codemark(**fields)


def _render(
    codemark: Codemark, assignees: tuple[User, ...] = (), repo: Repo | None = None
) -> dict[str, Any]:
    repo = repo or _repo()
    activity = render_codemark_activity(
        CodemarkCardData(codemark, ADA, assignees, {repo.id: repo}, PERMALINK)
    )
    return check_activity(activity)


def _texts(card: dict[str, Any]) -> list[str]:
    """What a reader sees, element by element (TextRuns of one block joined)."""
    out = []
    for node in card["body"]:
        if node["type"] == "RichTextBlock":
            out.append("".join(run["text"] for run in node["inlines"]))
        elif node["type"] == "TextBlock":
            out.append(node["text"])
        elif node["type"] == "CodeBlock":
            out.append(f"<code {node['language']} @{node['startLineNumber']}>{node['codeSnippet']}")
    return out


def _actions(card: dict[str, Any]) -> dict[str, str]:
    """The card's links, by title."""
    return {a["title"]: a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl"}


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        (CodemarkType.COMMENT, "Ada Lovelace commented on code"),
        (CodemarkType.QUESTION, "Ada Lovelace asked a question"),
        (CodemarkType.ISSUE, "Ada Lovelace opened an issue"),
        (CodemarkType.BOOKMARK, "Ada Lovelace bookmarked code"),
    ],
)
def test_the_card_says_who_did_what_where(kind: CodemarkType, phrase: str) -> None:
    card = _render(_codemark(kind), assignees=(GRACE, ALAN))
    texts = _texts(card)
    assert texts[0] == phrase
    if kind is not CodemarkType.COMMENT:
        assert "Rounding loses cents" in texts
    assert "We round **per invoice**, then sum." in texts  # markdown, for Teams to render
    assert "Assignees: Grace Hopper, alan" in texts
    assert "[billing] src/billing/invoice.py (Lines 12-13)" in texts
    assert "<code Python @12>def total(lines):\n    return sum(lines)" in texts


def test_actions_open_the_ide_the_code_host_and_the_web() -> None:
    card = _render(_codemark())
    actions = _actions(card)
    assert list(actions) == ["Open in IDE", "Open on GitHub", "Open on web"]
    assert actions["Open in IDE"].startswith(PERMALINK + "?ide=default&markerId=" + "e" * 24)
    assert actions["Open on GitHub"] == (
        "https://github.com/analytical-engines/billing/blob/"
        "3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39/src/billing/invoice.py#L12-L13"
    )
    assert actions["Open on web"] == PERMALINK


@pytest.mark.parametrize(
    ("remote", "name", "anchor"),
    [
        ("git@gitlab.com:acme/api.git", "GitLab", "#L12-13"),
        ("https://bitbucket.org/acme/api.git", "Bitbucket", "#lines-12:13"),
        ("https://dev.azure.com/acme/web/_git/api", "Azure DevOps", "&line=12&lineEnd=14"),
    ],
)
def test_other_code_hosts_are_named_and_line_anchored(remote: str, name: str, anchor: str) -> None:
    actions = _actions(_render(_codemark(), repo=_repo(remote)))
    assert anchor in actions[f"Open on {name}"]


def test_a_repo_on_an_unknown_host_has_no_code_host_button() -> None:
    actions = _actions(_render(_codemark(), repo=_repo("git@git.internal:acme/api.git")))
    assert list(actions) == ["Open in IDE", "Open on web"]


def test_a_codemark_without_a_marker_gets_a_card_too() -> None:
    # The original crashed here (it looped over undefined markers).
    card = _render(_codemark(markers=()))
    assert _texts(card) == ["Ada Lovelace commented", "We round **per invoice**, then sum."]
    assert list(_actions(card)) == ["Open on web"]
    issue = _render(_codemark(CodemarkType.ISSUE, markers=(), text=""))
    assert _texts(issue) == ["Ada Lovelace opened an issue", "Rounding loses cents", "Status: Open"]


def test_a_marker_without_code_shows_its_location_only() -> None:
    card = _render(_codemark(markers=(_marker(code="", lines=LineRange(7, 7)),)))
    assert "[billing] src/billing/invoice.py (Line 7)" in _texts(card)
    assert not [n for n in walk(card) if n["type"] == "CodeBlock"]


def test_unknown_languages_are_plain_text_and_the_fallback_is_monospace() -> None:
    card = _render(_codemark(markers=(_marker(language="cobol"),)))
    (block,) = [n for n in walk(card["body"]) if n["type"] == "CodeBlock"]
    assert block["language"] == "PlainText"
    assert block["fallback"] == {
        "type": "TextBlock",
        "text": block["codeSnippet"],
        "fontType": "Monospace",
        "wrap": True,
    }


def test_names_titles_and_paths_are_not_read_as_markdown() -> None:
    sneaky = User(
        "a" * 24, "x@example.com", "x", "**Boss** [click](https://evil.example)", "", 1, 1
    )
    codemark = _codemark(CodemarkType.ISSUE, title="_not italic_ [link](https://evil.example)")
    activity = render_codemark_activity(
        CodemarkCardData(codemark, sneaky, (), {"d" * 24: _repo()}, PERMALINK)
    )
    card = check_activity(activity)
    for node in walk(card["body"]):
        if node["type"] == "TextBlock":  # the only markdown blocks: text, links we make
            assert "evil" not in node["text"]


def test_long_snippets_are_cut_with_a_view_all_link() -> None:
    code = "\n".join(f"line_{n} = {n}" for n in range(1, 201))
    card = _render(_codemark(markers=(_marker(code=code, lines=LineRange(1, 200)),)))
    texts = _texts(card)
    (snippet,) = [t for t in texts if t.startswith("<code")]
    assert snippet.count("\n") + 1 == 30
    assert f"[View all 200 lines]({PERMALINK})" in texts


def test_more_than_three_markers_link_to_the_rest() -> None:
    markers = tuple(_marker(id=f"{i:024x}", file=f"src/f{i}.py") for i in range(5))
    texts = _texts(_render(_codemark(markers=markers)))
    assert sum(t.startswith("[billing] src/f") for t in texts) == 3
    assert f"[2 more locations on the web]({PERMALINK})" in texts


@pytest.mark.parametrize(
    "char",
    ["a", "é", "漢", "😀", "\u0001", '"'],
    ids=["ascii", "latin", "cjk", "emoji", "ctrl", "quote"],
)
def test_huge_content_stays_under_28_kb(char: str) -> None:
    code = "\n".join(char * 500 for _ in range(200))
    markers = tuple(
        _marker(id=f"{i:024x}", code=code, file=("dir/" + char * 200)[:1000]) for i in range(10)
    )
    assignees = tuple(User(f"{i:024x}", "e", "u", char * 200, "", 1, 1) for i in range(20))
    codemark = _codemark(
        CodemarkType.ISSUE, title=char * 500, text=char * 50_000, markers=markers, assignees=()
    )
    activity = render_codemark_activity(
        CodemarkCardData(codemark, ADA, assignees, {"d" * 24: _repo()}, PERMALINK)
    )
    check_activity(activity)
    body = {
        "isGroup": True,
        "channelData": {"channel": {"id": "19:" + "x" * 200}},
        "activity": activity,
    }
    assert ascii_json_size(body) < 28 * 1024
    texts = _texts(activity["attachments"][0]["content"])
    assert any(PERMALINK in t for t in texts)  # the reader can still get to everything


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(max_size=500),
    text=st.text(max_size=3000),
    code=st.text(max_size=4000),
    kind=st.sampled_from(list(CodemarkType)),
    language=st.one_of(st.none(), st.text(max_size=40)),
)
def test_any_content_makes_a_valid_card(
    title: str, text: str, code: str, kind: CodemarkType, language: str | None
) -> None:
    codemark = _codemark(
        kind, title=title, text=text, markers=(_marker(code=code, language=language),)
    )
    card = _render(codemark)
    assert json.dumps(card)
