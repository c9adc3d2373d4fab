"""Which pasted links unfold: permalinks of this server only, with or without a query."""

from __future__ import annotations

import pytest

from codestream.bot.message_extension import permalink_id

ID = "0192a3b4c5d6e7f8a9b0c1d2"


@pytest.mark.parametrize(
    ("url", "public", "expected"),
    [
        (f"https://cs.example.com/c/{ID}", "https://cs.example.com", ID),
        (f"https://CS.example.com/c/{ID}?src=ide#reply", "https://cs.example.com/", ID),
        (f"https://cs.example.com/c/{ID}/", "https://cs.example.com", ID),
        (f"https://cs.example.com/codestream/c/{ID}", "https://cs.example.com/codestream", ID),
        (f"https://cs.example.com/c/{ID}", "https://cs.example.com/codestream", None),
        (f"https://evil.example.com/c/{ID}", "https://cs.example.com", None),
        (f"https://cs.example.com:8443/c/{ID}", "https://cs.example.com", None),
        (f"https://cs.example.com/web/c/{ID}", "https://cs.example.com", None),
        ("https://cs.example.com/c/not-an-id", "https://cs.example.com", None),
        (f"javascript://cs.example.com/c/{ID}", "https://cs.example.com", None),
        ("https://[::1/c/x", "https://cs.example.com", None),
    ],
)
def test_only_this_servers_permalinks_name_a_codemark(
    url: str, public: str, expected: str | None
) -> None:
    assert permalink_id(url, public) == expected
