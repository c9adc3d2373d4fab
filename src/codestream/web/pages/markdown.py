"""A tiny, safe subset of Markdown for user text: every character is escaped first.

Supported: paragraphs (blank lines), line breaks, `code`, **bold**, and [links](https://...) whose
target is http or https. Nothing else is interpreted; raw HTML shows as text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^\s()<>\"']+)\)",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def _inline(text: str) -> Markup:
    out: list[Markup] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position : match.start()]))
        if match.group("code") is not None:
            out.append(Markup("<code>%s</code>") % match.group("code"))
        elif match.group("bold") is not None:
            out.append(Markup("<strong>%s</strong>") % match.group("bold"))
        else:
            out.append(
                Markup('<a href="%s" rel="nofollow noopener noreferrer">%s</a>')
                % (match.group("href"), match.group("label"))
            )
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def render_markdown(text: str) -> Markup:
    """HTML for user text: escaped, then paragraphs, breaks, code, bold and http(s) links."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not normalized.strip():
        return Markup("")
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(normalized):
        lines = [_inline(line) for line in block.split("\n")]
        paragraphs.append(Markup("<p>%s</p>") % Markup("<br>\n").join(lines))
    return Markup("\n").join(paragraphs)
