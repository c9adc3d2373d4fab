"""The in-memory map of recent activities: each key handled once, invoke answers replayed, and
no more than `capacity` keys (and `answer_capacity` answers) kept, the least recently seen
forgotten first."""

from __future__ import annotations

from codestream.teams.activities import InvokeResponse
from codestream.teams.dedupe import RecentActivities


def test_it_lets_each_key_through_once() -> None:
    recent = RecentActivities()
    assert recent.first_time("19:c|1")
    assert not recent.first_time("19:c|1")
    assert recent.first_time("19:c|2")


def test_it_replays_the_answer_given_to_a_key() -> None:
    recent = RecentActivities()
    recent.first_time("19:c|1")
    assert recent.answer("19:c|1") is None
    answer = InvokeResponse(200, {"statusCode": 200})
    recent.remember("19:c|1", answer)
    assert not recent.first_time("19:c|1")
    assert recent.answer("19:c|1") is answer


def test_it_lets_a_forgotten_key_through_again() -> None:
    recent = RecentActivities()
    recent.first_time("19:c|1")
    recent.remember("19:c|1", InvokeResponse(200))
    recent.forget("19:c|1")
    assert recent.answer("19:c|1") is None
    assert recent.first_time("19:c|1")


def test_it_keeps_at_most_capacity_keys_forgetting_the_least_recently_seen() -> None:
    recent = RecentActivities(capacity=2)
    recent.first_time("a")
    recent.remember("a", InvokeResponse(200, "a"))
    recent.first_time("b")
    assert not recent.first_time("a")  # a repeat: "a" is now the most recently seen
    recent.first_time("c")  # over capacity: "b" goes
    assert recent.answer("a") == InvokeResponse(200, "a")
    assert not recent.first_time("c")
    assert recent.first_time("b")  # forgotten, so new again; "a" goes
    assert recent.answer("a") is None
    assert recent.first_time("a")


def test_it_counts_a_remembered_answer_as_a_sighting() -> None:
    recent = RecentActivities(capacity=2)
    recent.first_time("a")
    recent.first_time("b")
    recent.remember("a", InvokeResponse(200))  # answered last: "b" is now the oldest
    recent.first_time("c")
    assert recent.answer("a") == InvokeResponse(200)
    assert recent.first_time("b")


def test_it_keeps_answers_for_the_last_answer_capacity_keys_only() -> None:
    recent = RecentActivities(capacity=10, answer_capacity=2)
    for key in ("a", "b", "c"):
        recent.first_time(key)
        recent.remember(key, InvokeResponse(200, key))
    assert recent.answer("a") is None  # its answer made room for "c"'s
    assert not recent.first_time("a")  # but it is still known as handled
    assert recent.answer("b") == InvokeResponse(200, "b")
    assert recent.answer("c") == InvokeResponse(200, "c")
