"""`Secret` keeps secret strings out of logs, reprs and f-strings."""

from __future__ import annotations

import logging
import pickle

import pytest

from codestream.config import Secret


def test_it_shows_only_stars_in_repr_str_and_fstrings() -> None:
    secret = Secret("hunter2-hunter2")
    assert repr(secret) == "********"
    assert str(secret) == "********"
    assert f"{secret}" == "********"
    assert "hunter2" not in repr([secret, {"k": secret}])


def test_it_gives_the_value_only_when_revealed() -> None:
    assert Secret("hunter2-hunter2").reveal() == "hunter2-hunter2"


def test_it_stays_masked_in_log_records(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("password is %s", Secret("hunter2-hunter2"))
    assert "hunter2" not in caplog.text
    assert "********" in caplog.text


def test_it_compares_by_value_with_other_secrets_only() -> None:
    assert Secret("abc") == Secret("abc")
    assert Secret("abc") != Secret("abd")
    assert Secret("abc") != "abc"
    assert Secret("é") == Secret("é")


def test_it_is_hashable_and_true_only_when_not_empty() -> None:
    assert len({Secret("a"), Secret("a"), Secret("b")}) == 2
    assert Secret("a")
    assert not Secret("")


def test_it_cannot_be_changed_after_creation() -> None:
    secret = Secret("a")
    with pytest.raises(AttributeError):
        secret._value = "b"
    assert secret.reveal() == "a"


def test_it_refuses_to_wrap_something_that_is_not_a_string() -> None:
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_it_survives_pickling() -> None:
    assert pickle.loads(pickle.dumps(Secret("abc"))) == Secret("abc")
