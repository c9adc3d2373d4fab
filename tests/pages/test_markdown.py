"""The tiny Markdown subset: what it renders, and that nothing else ever becomes markup."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from codestream.web.pages.markdown import render_markdown

_OUR_TAGS = re.compile(
    r'</?(?:p|br|code|strong)>|<a href="https?://[^"<>]*" rel="nofollow noopener noreferrer">|</a>'
)


def test_it_renders_paragraphs_breaks_code_bold_and_http_links() -> None:
    html = render_markdown(
        "One **bold** `x < y`\nnext line\n\n[docs](https://example.com/a?b=1&c=2)"
    )
    assert html == (
        "<p>One <strong>bold</strong> <code>x &lt; y</code><br>\nnext line</p>\n"
        '<p><a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">'
        "docs</a></p>"
    )


def test_it_leaves_other_link_schemes_and_html_as_text() -> None:
    html = render_markdown('[x](javascript:alert(1)) <b onclick="y">hi</b> [d](data:text/html,1)')
    assert "<a" not in html
    assert "&lt;b onclick=&#34;y&#34;&gt;hi&lt;/b&gt;" in html


def test_it_renders_nothing_for_blank_text() -> None:
    assert render_markdown(" \n\n ") == ""


@given(st.text(alphabet=st.sampled_from(list("<>\"'&`*[]()/:ahjpst \n")), max_size=80))
def test_it_never_emits_markup_of_its_own_input(text: str) -> None:
    leftover = _OUR_TAGS.sub("", str(render_markdown(text)))
    assert "<" not in leftover
    assert ">" not in leftover
