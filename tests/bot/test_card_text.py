"""What the bot says uses only the Markdown that Adaptive Cards render in Teams: bold, italic,
links and lists. Inline code, headings and images are not in the subset (Microsoft's renderer
shows `signin` as a bare word run into the sentence), so command words are in bold instead."""

from __future__ import annotations

import re
from typing import Any

from codestream.bot import cards, texts

OUTSIDE_THE_SUBSET = (
    (re.compile(r"`"), "inline code"),
    (re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE), "a heading"),
    (re.compile(r"!\["), "an image"),
    (re.compile(r"^\s*```", re.MULTILINE), "a code block"),
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _strings(item)]
    return []


def _texts_of(card: Any) -> list[str]:
    """Every `text` and fact value in a card's JSON."""
    found: list[str] = []
    if isinstance(card, dict):
        for key, value in card.items():
            if key in ("text", "value") and isinstance(value, str):
                found.append(value)
            else:
                found += _texts_of(value)
    elif isinstance(card, list):
        for item in card:
            found += _texts_of(item)
    return found


def _outside(text: str) -> list[str]:
    return [what for pattern, what in OUTSIDE_THE_SUBSET if pattern.search(text)]


def test_every_text_the_bot_says_stays_in_the_markdown_subset() -> None:
    said = [s for name, v in vars(texts).items() if name.isupper() for s in _strings(v)]
    assert len(said) > 30  # the module holds the bot's words; finding none would prove nothing
    assert {text: _outside(text) for text in said if _outside(text)} == {}


def test_the_cards_it_sends_stay_in_the_subset_and_name_commands_in_bold() -> None:
    built = [
        cards.help_card(personal=True),
        cards.help_card(personal=False),
        cards.welcome_personal("Ada"),
        cards.welcome_team("Engines"),
        cards.text_card(texts.NEED_SIGNIN.format(command="connect")),
        cards.text_card(texts.CHANNEL_ONLY.format(command="connect")),
    ]
    for card in built:
        for text in _texts_of(card):
            assert _outside(text) == [], text
    welcome = " ".join(_texts_of(cards.welcome_team("Engines")))
    assert "**signin**" in welcome and "**connect**" in welcome
