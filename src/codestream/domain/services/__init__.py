"""Use cases: the one way the REST API, the CLI and the bot change data."""

from __future__ import annotations

from dataclasses import dataclass

from codestream.domain.clock import Clock, system_clock
from codestream.domain.ports import PasswordHasher, UnitOfWorkFactory
from codestream.domain.services.accounts import AccountService
from codestream.domain.services.codemarks import CodemarkService
from codestream.domain.services.reply_threads import ReplyThreads
from codestream.domain.services.repos import RepoService
from codestream.domain.services.shares import (
    DEFAULT_DELIVERY_DEADLINE_MS,
    CardRenderer,
    ShareService,
)
from codestream.domain.services.teams import TeamService


@dataclass(frozen=True)
class Services:
    """Every use case, wired to one storage and clock."""

    accounts: AccountService
    teams: TeamService
    repos: RepoService
    codemarks: CodemarkService
    shares: ShareService


def build_services(
    uow: UnitOfWorkFactory,
    hasher: PasswordHasher,
    clock: Clock = system_clock,
    *,
    card_renderer: CardRenderer | None = None,
    reply_threads: ReplyThreads | None = None,
    public_url: str = "",
    delivery_deadline_ms: int = DEFAULT_DELIVERY_DEADLINE_MS,
) -> Services:
    """Wire the use cases to their ports. Without a card renderer, sharing answers 503; without
    reply threads, replies stay in CodeStream. `delivery_deadline_ms`: how long a share's card
    is retried (`delivery.deadlineHours`)."""
    return Services(
        accounts=AccountService(uow, hasher, clock),
        teams=TeamService(uow, clock),
        repos=RepoService(uow, clock),
        codemarks=CodemarkService(uow, clock, reply_threads=reply_threads),
        shares=ShareService(
            uow,
            clock,
            renderer=card_renderer,
            public_url=public_url,
            delivery_deadline_ms=delivery_deadline_ms,
        ),
    )


__all__ = [
    "AccountService",
    "CodemarkService",
    "RepoService",
    "Services",
    "ShareService",
    "TeamService",
    "build_services",
]
