"""Use cases: the one way the REST API, the pages, the CLI and the bot change data.

Every use case is an async callable that takes the unit of work it runs in as its first argument
(a bot turn passes `turn.uow`), and never opens one of its own: on SQLite a second unit inside
the first would wait for the writer lock the first one holds. The REST API, the pages and the
CLI run them through `Services.write` (open, call, commit) or `Services.read` (a read-only unit
that takes no write lock). Only `sign_up` and `log_in` span units: they hash passwords, which
no open transaction should wait for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from codestream.domain.clock import Clock, system_clock
from codestream.domain.messages import TeamsMessages
from codestream.domain.models import User
from codestream.domain.ports import (
    CommonPasswords,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from codestream.domain.services.account_lifecycle import (
    AccountLifecycle,
    SignInsEnded,
)
from codestream.domain.services.accounts import AccountService
from codestream.domain.services.card_updates import CardUpdates
from codestream.domain.services.codemarks import CodemarkService
from codestream.domain.services.msteams_signin import SignInService
from codestream.domain.services.msteams_turns import TurnGroups
from codestream.domain.services.notifications import NotificationOptions, Notifications
from codestream.domain.services.reply_threads import ReplyThreads
from codestream.domain.services.repos import RepoService
from codestream.domain.services.shares import DEFAULT_DELIVERY_DEADLINE_MS, ShareService
from codestream.domain.services.teams import TeamService
from codestream.errors import InvalidInput

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Services:
    """Every use case, wired to one storage, clock and renderer of Teams messages.

    `turns` runs bot turns (group-committed units of work); `signin` links Teams users;
    `reply_threads` is how replies reach Teams (None: they stay in CodeStream);
    `card_updates` keeps shared cards current, `notifications` tells people in Teams what
    concerns them (both None: no renderer of Teams messages).
    """

    units: UnitOfWorkFactory
    clock: Clock
    accounts: AccountService
    lifecycle: AccountLifecycle
    teams: TeamService
    repos: RepoService
    codemarks: CodemarkService
    shares: ShareService
    signin: SignInService
    turns: TurnGroups
    reply_threads: ReplyThreads | None
    card_updates: CardUpdates | None = None
    notifications: Notifications | None = None

    async def write(
        self,
        use_case: Callable[Concatenate[UnitOfWork, P], Awaitable[R]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run a use case in a new unit of work and commit it; the use case's answer. Nothing
        is stored when it raises."""
        async with self.units() as uow:
            result = await use_case(uow, *args, **kwargs)
            await uow.commit()
        return result

    async def read(
        self,
        use_case: Callable[Concatenate[UnitOfWork, P], Awaitable[R]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run a use case that only reads, in a read-only unit (it waits for no writer)."""
        async with self.units(read_only=True) as uow:
            return await use_case(uow, *args, **kwargs)

    async def authenticate(self, token_value: str) -> User:
        """The user a bearer token belongs to (NotAuthenticated if none), checked in a read-only
        unit: a request takes no write lock for it (on SQLite, every writer waits for that
        lock) except every few minutes, when the token's use is recorded."""
        user, use_due = await self.read(self.accounts.identify, token_value)
        if use_due:
            return await self.write(self.accounts.authenticate, token_value)
        return user

    async def sign_up(
        self, *, email: str, password: str, full_name: str = "", username: str | None = None
    ) -> User:
        """Create a user (the password hashed before the transaction); see AccountService."""
        new = await self.accounts.new_account(
            email=email, password=password, full_name=full_name, username=username
        )
        return await self.write(self.accounts.sign_up, new)

    async def log_in(
        self, *, email: str, password: str, token_name: str = "login", ttl_ms: int | None = None
    ) -> tuple[User, str]:
        """Check the password (outside any transaction) and issue a token; the user and the
        token's value. NotAuthenticated alike for an unknown email and a wrong password."""
        found = await self.read(self.accounts.login_user, email)
        user = await self.accounts.check_password(found, email, password)
        token = await self.write(self.accounts.issue_token, user.id, name=token_name, ttl_ms=ttl_ms)
        return user, token

    async def change_password(
        self, user: User, *, current: str, new: str, keep_token: str | None
    ) -> SignInsEnded:
        """Check the user's current password, then store the new one (hashed outside any
        transaction) and end every other session, token and Teams sign-in of theirs."""
        if not await self.accounts.verify_password(user, current):
            raise InvalidInput(
                "currentPassword: that is not your current password",
                field="currentPassword",
                code="wrong_password",
            )
        new_hash = await self.accounts.hash_new_password(new, email=user.email)
        return await self.write(
            self.lifecycle.change_password, user, new_hash, keep_token=keep_token
        )

    async def set_password(self, email_or_username: str, new: str) -> tuple[User, SignInsEnded]:
        """Set a user's password on the operator's authority; ends all their sign-ins."""
        user = await self.read(self.lifecycle.find_as_operator, email_or_username)
        new_hash = await self.accounts.hash_new_password(new, email=user.email)
        return await self.write(
            self.lifecycle.set_password_as_operator, email_or_username, new_hash
        )

    async def set_password_with_link(self, token: str, new: str) -> tuple[User, SignInsEnded]:
        """Set a password with a one-time link; the link is checked before any hashing."""
        user = await self.read(self.lifecycle.user_of_password_link, token)
        new_hash = await self.accounts.hash_new_password(new, email=user.email)
        return await self.write(self.lifecycle.set_password_with_link, token, new_hash)


def build_services(
    units: UnitOfWorkFactory,
    hasher: PasswordHasher,
    clock: Clock = system_clock,
    *,
    common_passwords: CommonPasswords,
    messages: TeamsMessages | None = None,
    public_url: str = "",
    signing_key: bytes = b"",
    delivery_deadline_ms: int = DEFAULT_DELIVERY_DEADLINE_MS,
    turns_in_flight: int = 1,
    notification_options: NotificationOptions | None = None,
) -> Services:
    """Wire the use cases to their ports. `common_passwords` is the list new passwords are
    checked against (`domain/password_policy.py`). Without `messages` (the bot's renderer of Teams
    messages), sharing answers 503 and replies stay in CodeStream. `signing_key` signs sign-in
    links (`sharedSecrets.auth`); `delivery_deadline_ms` is how long a share's card and a reply
    are retried (`delivery.deadlineHours`); `turns_in_flight` how many bot-turn transactions
    may be open at once (`TurnGroups`); `notification_options` the `notifications` block."""
    threads = (
        ReplyThreads(messages.reply, public_url, delivery_deadline_ms)
        if messages is not None
        else None
    )
    shares = ShareService(
        clock, messages=messages, public_url=public_url, delivery_deadline_ms=delivery_deadline_ms
    )
    cards = CardUpdates(shares, messages, delivery_deadline_ms) if messages is not None else None
    notifications = (
        Notifications(shares, messages, notification_options) if messages is not None else None
    )
    accounts = AccountService(hasher, clock, common_passwords)
    return Services(
        units=units,
        clock=clock,
        accounts=accounts,
        lifecycle=AccountLifecycle(accounts, clock, signing_key=signing_key, public_url=public_url),
        teams=TeamService(clock),
        repos=RepoService(clock),
        codemarks=CodemarkService(
            clock,
            shares=shares,
            reply_threads=threads,
            card_updates=cards,
            notifications=notifications,
        ),
        shares=shares,
        signin=SignInService(clock, signing_key, messages=messages, public_url=public_url),
        turns=TurnGroups(units, clock, in_flight=turns_in_flight),
        reply_threads=threads,
        card_updates=cards,
        notifications=notifications,
    )


__all__ = [
    "AccountLifecycle",
    "AccountService",
    "CodemarkService",
    "RepoService",
    "Services",
    "ShareService",
    "SignInService",
    "TeamService",
    "build_services",
]
