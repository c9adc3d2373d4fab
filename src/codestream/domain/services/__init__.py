"""Use cases: the one way the REST API, the CLI and the bot change data."""

from __future__ import annotations

from dataclasses import dataclass

from codestream.domain.clock import Clock, system_clock
from codestream.domain.ports import PasswordHasher, UnitOfWorkFactory
from codestream.domain.services.accounts import AccountService
from codestream.domain.services.codemarks import CodemarkService
from codestream.domain.services.reply_threads import ReplyRenderer, ReplyThreads
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
    reply_renderer: ReplyRenderer | None = None,
    public_url: str = "",
) -> Services:
    """Wire the use cases to their ports. Without a card renderer, sharing answers 503; without
    a reply renderer, replies stay in CodeStream."""
    threads = (
        ReplyThreads(reply_renderer, public_url, DEFAULT_DELIVERY_DEADLINE_MS)
        if reply_renderer is not None
        else None
    )
    return Services(
        accounts=AccountService(uow, hasher, clock),
        teams=TeamService(uow, clock),
        repos=RepoService(uow, clock),
        codemarks=CodemarkService(uow, clock, reply_threads=threads),
        shares=ShareService(uow, clock, renderer=card_renderer, public_url=public_url),
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
