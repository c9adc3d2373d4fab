"""Search words: how a codemark's searchable text and a user's query become words.

Both search engines (SQLite FTS5, PostgreSQL full-text search) index the same words, made here:
runs of letters and digits, lower-cased. So `src/app/main.py` is the words `src app main py`, and
a query `main.py` finds it on either engine: each query word matches as a prefix, all of them
must match. Splitting before the engines see the text keeps them alike (PostgreSQL's parser would
keep a file path as one token, FTS5 would not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from codestream.domain.models import Codemark

MAX_WORD = 60
"""A longer run of letters and digits is cut here (a hash, a minified line): it still matches
by its start, and PostgreSQL's limit on one word (2 KB) is never reached."""
MAX_DOCUMENT = 20_000
"""Characters of a codemark's words that are indexed (titles, files and tags come first)."""
MAX_QUERY_WORDS = 8
MAX_QUERY = 200
"""Characters of a query that are read (Teams' search box sends what the user typed)."""

_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The words of `text`: runs of letters and digits, lower-cased, each at most MAX_WORD."""
    return [w[:MAX_WORD] for w in _WORD.findall(text.lower())]


def query_words(query: str) -> list[str]:
    """The distinct words of a search query, in order, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(words_of(query[:MAX_QUERY])))[:MAX_QUERY_WORDS]


def document(
    title: str, text: str, tags: Iterable[str], files: Iterable[str], repo_names: Iterable[str]
) -> str:
    """The words a codemark is found by: title, tags, files, repos, then text."""
    parts = [title, " ".join(tags), " ".join(files), " ".join(repo_names), text]
    return " ".join(words_of(" ".join(parts)))[:MAX_DOCUMENT]


def document_of(codemark: Codemark, repo_names: Iterable[str]) -> str:
    """`document` of a codemark, with the names of its markers' repos."""
    files = [marker.file for marker in codemark.markers]
    return document(codemark.title, codemark.text, codemark.tags, files, repo_names)


@dataclass(frozen=True)
class CodemarkSearch:
    """A search over the live codemarks of some teams, newest first: codemarks having every
    word of `words` (each as a prefix of a word of theirs); no words: the newest codemarks."""

    team_ids: tuple[str, ...]
    words: tuple[str, ...]
    skip: int = 0
    count: int = 25
