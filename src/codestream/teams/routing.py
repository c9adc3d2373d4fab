"""Routing activities as data: a table of (selector, handler) pairs, first match wins.

Protocol only: the selectors here read what the Bot Framework says about an activity (its type,
an invoke's name), never what it means to CodeStream. A bot builds one table over whatever it
reads an activity into, and registers each handler once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from codestream.teams.activities import Activity

S = TypeVar("S")
H = TypeVar("H")


@dataclass(frozen=True)
class Route(Generic[S, H]):
    """One row of the table: a name (for logs and docs), the selector, the handler."""

    name: str
    selector: Callable[[S], bool]
    handler: H


class Routes(Generic[S, H]):
    """The table; `match` finds the first route whose selector accepts the subject."""

    def __init__(self) -> None:
        self._routes: list[Route[S, H]] = []

    def add(self, name: str, selector: Callable[[S], bool], handler: H) -> None:
        """Append a route (earlier routes win)."""
        self._routes.append(Route(name, selector, handler))

    def match(self, subject: S) -> Route[S, H] | None:
        """The first route for the subject, or None."""
        for route in self._routes:
            if route.selector(subject):
                return route
        return None

    @property
    def names(self) -> list[str]:
        """The routes' names, in the order they are tried."""
        return [route.name for route in self._routes]


def is_type(activity: Activity, *kinds: str) -> bool:
    """Whether the activity is of one of these types (`message`, `conversationUpdate`, ...)."""
    return activity.type in kinds


def is_invoke(activity: Activity, name: str) -> bool:
    """Whether the activity is an invoke of this name (`adaptiveCard/action`, ...)."""
    return activity.type == "invoke" and activity.name == name
