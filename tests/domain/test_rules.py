"""The input rules every use case applies."""

from __future__ import annotations

import pytest

from codestream.domain import rules
from codestream.domain.ids import is_id, new_id
from codestream.errors import InvalidInput


@pytest.mark.parametrize(
    "path",
    ["../etc/passwd", "/etc/passwd", "C:\\Windows\\x", "a/../../b", "a\x00b", "", ".", "x" * 2000],
)
def test_it_refuses_paths_that_leave_the_repo_or_are_not_paths(path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.file_path(path)
    assert caught.value.field == "file"


def test_it_normalizes_harmless_paths() -> None:
    assert rules.file_path("src\\app\\..\\main.py") == "src/main.py"
    assert rules.file_path("./src//a.py") == "src/a.py"


@pytest.mark.parametrize(("start", "end"), [(0, 1), (5, 4), (1, 10_000_001), (-3, 2)])
def test_it_refuses_bad_line_ranges(start: int, end: int) -> None:
    with pytest.raises(InvalidInput):
        rules.line_range(start, end, None, None)


def test_it_requires_text_and_trims_it() -> None:
    assert rules.text("  hi  ", field="text", required=True) == "hi"
    with pytest.raises(InvalidInput, match="text: required"):
        rules.text("   ", field="text", required=True)
    with pytest.raises(InvalidInput, match="NUL"):
        rules.text("a\x00", field="text", required=False)


def test_it_makes_time_ordered_ids() -> None:
    first, second = new_id(1_000), new_id(2_000)
    assert is_id(first) and is_id(second)
    assert first < second
    assert not is_id("'; DROP TABLE users; --")
