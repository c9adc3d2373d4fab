"""The config file tolerates comments and trailing commas, and reports errors by line:col."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codestream.config import ConfigError, has_comments, parse_document, read_document
from support.filesystem import make_unreadable


def test_it_accepts_line_and_block_comments_and_trailing_commas() -> None:
    text = """
    // the services config
    {
      "apiServer": {
        "publicApiUrl": "https://cs.example.com", // where Teams reaches us
        /* "port": 443, */
        "port": 12079,
      },
      "list": [1, 2, 3,],
      /* a block
         over lines */
    }
    """
    assert parse_document(text) == {
        "apiServer": {"publicApiUrl": "https://cs.example.com", "port": 12079},
        "list": [1, 2, 3],
    }


def test_it_keeps_comment_markers_and_commas_inside_strings() -> None:
    text = r'{"url": "https://x.example.com//a", "s": "a /* b */ c,}", "q": "say \"//hi\"",}'
    assert parse_document(text) == {
        "url": "https://x.example.com//a",
        "s": "a /* b */ c,}",
        "q": 'say "//hi"',
    }


def test_it_reports_the_line_and_column_of_a_syntax_error_in_the_original_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cfg.json"
    path.write_text('{\n  /* comment */ "a": 1,\n  "b": 2\n  "c": 3\n}\n')
    with pytest.raises(ConfigError) as err:
        read_document(path)
    assert f"{path}:4:3:" in err.value.message


def test_it_does_not_quote_the_broken_line_which_may_hold_a_secret() -> None:
    with pytest.raises(ConfigError) as err:
        parse_document('{"botAppPassword": "hunter2hunter2" oops}', source="cfg.json")
    assert "cfg.json:1:" in err.value.message
    assert "hunter2" not in err.value.message


def test_it_reports_a_block_comment_that_is_never_closed() -> None:
    with pytest.raises(ConfigError, match=r"cfg\.json:2:3: a /\* comment is never closed"):
        parse_document('{"a": 1,\n  /* oops\n}', source="cfg.json")


def test_it_rejects_a_key_given_twice_instead_of_silently_keeping_the_last() -> None:
    with pytest.raises(ConfigError, match='"botAppId" appears twice'):
        parse_document('{"m": {"botAppId": "a", "botAppId": "b"}}')


@pytest.mark.parametrize("text", ["[1, 2]", '"text"', "42", "null"])
def test_it_rejects_a_top_level_that_is_not_an_object(text: str) -> None:
    with pytest.raises(ConfigError, match="expected a JSON object"):
        parse_document(text)


@pytest.mark.parametrize("text", ["{,}", "[,]", '{"a": [1,,]}', '{"a": 1,,}'])
def test_it_still_rejects_commas_that_are_not_trailing(text: str) -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        parse_document(text)


def test_it_rejects_nan_and_infinity() -> None:
    with pytest.raises(ConfigError, match="NaN"):
        parse_document('{"port": NaN}')


def test_it_reads_a_file_saved_with_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "cfg.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_document(path) == {"a": 1}


def test_it_explains_a_missing_file_and_how_to_create_one(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as err:
        read_document(path)
    assert str(path) in err.value.message
    assert "codestream init" in err.value.message


def test_it_explains_a_directory_where_the_file_should_be(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_document(tmp_path)


def test_it_explains_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cfg.json"
    path.write_text("{}")
    make_unreadable(monkeypatch, path)  # as chmod 0 does, even for root
    with pytest.raises(ConfigError, match="permission denied"):
        read_document(path)


def test_it_explains_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cfg.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ConfigError, match="expected UTF-8"):
        read_document(path)


def test_it_tells_whether_a_file_has_comments_that_a_rewrite_would_lose() -> None:
    assert has_comments('{"a": 1} // note')
    assert has_comments('{/* x */"a": 1}')
    assert not has_comments('{"url": "https://x//y /* z */"}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.characters(), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_it_reads_every_plain_json_object_exactly_as_json_does(doc: dict[str, Any]) -> None:
    for text in (json.dumps(doc), json.dumps(doc, indent=2, ensure_ascii=False)):
        assert parse_document(text) == doc
