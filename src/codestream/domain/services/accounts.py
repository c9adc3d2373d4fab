"""Sign up, log in, and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace

from codestream.domain import rules
from codestream.domain.clock import Clock
from codestream.domain.ids import is_id, new_id
from codestream.domain.models import AccessToken, User
from codestream.domain.password_policy import check_new_password
from codestream.domain.ports import CommonPasswords, PasswordHasher, UnitOfWork
from codestream.errors import Conflict, InvalidInput, NotAuthenticated, NotFound

TOKEN_PREFIX = "cs_"
DEFAULT_TOKEN_TTL_MS = 90 * 24 * 3600 * 1000
_TOUCH_INTERVAL_MS = 5 * 60 * 1000


def _use_due(token: AccessToken, now: int) -> bool:
    return token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL_MS


def hash_token(value: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewAccount:
    """A checked sign-up, its password already hashed (outside any transaction: hashing takes
    a third of a second of CPU, which no open transaction should wait for)."""

    email: str
    username: str
    username_chosen: bool
    full_name: str
    password_hash: str


class AccountService:
    """Users and their credentials. Every use case takes the unit of work it runs in; the
    password hashing steps (`new_account`, `hash_new_password`, `check_password`) run outside
    any."""

    def __init__(
        self, hasher: PasswordHasher, clock: Clock, common_passwords: CommonPasswords
    ) -> None:
        self._hasher = hasher
        self._clock = clock
        self._common_passwords = common_passwords
        self._absent_hash: str | None = None

    def check_new_password(self, password: str, *, email: str = "") -> str:
        """The password policy (`domain/password_policy.py`): InvalidInput with code
        `weak_password` naming the rule a new password breaks. `email` is the account's."""
        return check_new_password(password, self._common_passwords, email=email)

    async def hash_new_password(self, password: str, *, email: str = "") -> str:
        """Check a new password against the policy, then hash it (outside any transaction).
        Every path that sets a password uses this."""
        self.check_new_password(password, email=email)
        return await self._hasher.hash(password)

    async def new_account(
        self, *, email: str, password: str, full_name: str = "", username: str | None = None
    ) -> NewAccount:
        """Check what a sign-up submits and hash the password; InvalidInput naming a bad field."""
        clean_email = rules.email(email)
        clean_name = rules.text(full_name, field="fullName", required=False, limit=rules.MAX_NAME)
        clean_username = rules.username(username) if username else _username_from(clean_email)
        return NewAccount(
            email=clean_email,
            username=clean_username,
            username_chosen=bool(username),
            full_name=clean_name,
            password_hash=await self.hash_new_password(password, email=clean_email),
        )

    def new_invited_account(
        self, *, email: str, full_name: str = "", username: str | None = None
    ) -> NewAccount:
        """Check an account an admin creates for someone: it has no usable password until they
        set one with their set-password link (so nothing is hashed here)."""
        clean_email = rules.email(email)
        clean_name = rules.text(full_name, field="fullName", required=False, limit=rules.MAX_NAME)
        return NewAccount(
            email=clean_email,
            username=rules.username(username) if username else _username_from(clean_email),
            username_chosen=bool(username),
            full_name=clean_name,
            password_hash=unusable_password_hash(),
        )

    async def verify_password(self, user: User, password: str) -> bool:
        """Whether `password` is the user's current one (outside any transaction). An account
        without a usable password costs the same work as one with a wrong password."""
        if is_unusable_password_hash(user.password_hash):
            await self._hasher.verify(await self._stand_in_hash(), password)
            return False
        return await self._hasher.verify(user.password_hash, password)

    async def sign_up(self, uow: UnitOfWork, new: NewAccount) -> User:
        """Create a user; the email and username must be free."""
        now = self._clock()
        user = User(
            id=new_id(now),
            email=new.email,
            username=new.username,
            full_name=new.full_name,
            password_hash=new.password_hash,
            created_at=now,
            modified_at=now,
        )
        if await uow.users.get_by_email(new.email) is not None:
            raise Conflict(f"email: {new.email} already has an account", code="email_taken")
        if await uow.users.get_by_username(new.username) is not None:
            if new.username_chosen:
                raise Conflict(f"username: {new.username} is taken", code="username_taken")
            user = replace(user, username=f"{new.username[:33]}-{secrets.token_hex(3)}")
        await uow.users.add(user)
        return user

    async def login_user(self, uow: UnitOfWork, email: str) -> User | None:
        """The active user an email names, for `check_password`; None if there is none."""
        try:
            clean_email = rules.email(email)
        except InvalidInput:
            return None
        user = await uow.users.get_by_email(clean_email)
        return None if user is None or user.deactivated else user

    async def check_password(self, user: User | None, email: str, password: str) -> User:
        """The user, if the password is theirs; NotAuthenticated otherwise, the same way for an
        unknown email as for a wrong password: same answer, and the same work, since an unknown
        email's password is verified against a stand-in hash made by the same hasher."""
        rules.email(email)  # a malformed email is a 422, as it was
        try:
            rules.password(password)
        except InvalidInput:
            # No account can have such a password; say so the same way as for a wrong one.
            raise NotAuthenticated("email or password is wrong", code="bad_credentials") from None
        if user is None:
            await self._hasher.verify(await self._stand_in_hash(), password)
            raise NotAuthenticated("email or password is wrong", code="bad_credentials")
        if not await self.verify_password(user, password):
            raise NotAuthenticated("email or password is wrong", code="bad_credentials")
        return user

    async def _stand_in_hash(self) -> str:
        """A hash of a random password no one knows, made once with the hasher's parameters."""
        if self._absent_hash is None:
            self._absent_hash = await self._hasher.hash(secrets.token_urlsafe(24))
        return self._absent_hash

    async def issue_token(
        self, uow: UnitOfWork, user_id: str, *, name: str = "api", ttl_ms: int | None = None
    ) -> str:
        """Create a bearer token for a user; the value is returned once and stored hashed."""
        _, value = await self.create_token(uow, user_id, name=name, ttl_ms=ttl_ms)
        return value

    async def create_token(
        self, uow: UnitOfWork, user_id: str, *, name: str = "api", ttl_ms: int | None = None
    ) -> tuple[AccessToken, str]:
        """Like `issue_token`, and also the stored record (to describe the new token)."""
        token_name = rules.name(name, field="name")
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        ttl = DEFAULT_TOKEN_TTL_MS if ttl_ms is None else ttl_ms
        token = AccessToken(
            id=new_id(now),
            user_id=user_id,
            token_hash=hash_token(value),
            name=token_name,
            created_at=now,
            expires_at=now + ttl if ttl > 0 else None,
        )
        await uow.tokens.add(token)
        return token, value

    async def authenticate(self, uow: UnitOfWork, token_value: str) -> User:
        """The user a token belongs to; NotAuthenticated if it is unknown, revoked or expired.
        Records the token's use (at most every few minutes)."""
        now = self._clock()
        token, user = await self._token_user(uow, token_value, now)
        if _use_due(token, now):
            await uow.tokens.update(replace(token, last_used_at=now))
        return user

    async def identify(self, uow: UnitOfWork, token_value: str) -> tuple[User, bool]:
        """`authenticate` without writing (a read-only unit will do): the user, and whether the
        token's use is due to be recorded (then run `authenticate`)."""
        now = self._clock()
        token, user = await self._token_user(uow, token_value, now)
        return user, _use_due(token, now)

    async def _token_user(
        self, uow: UnitOfWork, token_value: str, now: int
    ) -> tuple[AccessToken, User]:
        if not token_value.startswith(TOKEN_PREFIX) or len(token_value) > 200:
            raise NotAuthenticated("the access token is not valid", code="bad_token")
        token = await uow.tokens.get_by_hash(hash_token(token_value))
        if token is None or token.revoked:
            raise NotAuthenticated("the access token is not valid", code="bad_token")
        if token.expires_at is not None and token.expires_at <= now:
            raise NotAuthenticated(
                "the access token has expired; log in again", code="token_expired"
            )
        user = await uow.users.get(token.user_id)
        if user is None or user.deactivated:
            raise NotAuthenticated("the access token is not valid", code="bad_token")
        return token, user

    async def list_tokens(self, uow: UnitOfWork, user: User) -> list[AccessToken]:
        """The caller's tokens, without their values."""
        return await uow.tokens.list_for_user(user.id)

    async def revoke_token(self, uow: UnitOfWork, user: User, token_id: str) -> None:
        """Revoke one of the caller's tokens."""
        tokens = await uow.tokens.list_for_user(user.id)
        token = next((t for t in tokens if t.id == token_id), None)
        if token is None:
            raise NotFound(f"token {token_id!r:.40} not found")
        await uow.tokens.update(replace(token, revoked=True))

    async def revoke_token_value(self, uow: UnitOfWork, user: User, token_value: str) -> None:
        """Revoke the caller's token that has this value (a web session's), if there is one."""
        wanted = hash_token(token_value)
        for token in await uow.tokens.list_for_user(user.id):
            if token.token_hash == wanted and not token.revoked:
                await uow.tokens.update(replace(token, revoked=True))

    async def get_user(self, uow: UnitOfWork, user_id: str) -> User:
        """A user by id."""
        user = await uow.users.get(user_id) if is_id(user_id) else None
        if user is None or user.deactivated:
            raise NotFound(f"user {user_id!r:.40} not found")
        return user

    async def find_user(self, uow: UnitOfWork, email_or_username: str) -> User:
        """A user by email or username."""
        user = await find_by_key(uow, email_or_username)
        if user is None or user.deactivated:
            raise NotFound(f"no user {email_or_username.strip()!r:.80}")
        return user

    async def list_users(
        self, uow: UnitOfWork, *, limit: int = 100, after: str | None = None
    ) -> list[User]:
        """Every active user, by id."""
        return await uow.users.list(limit=limit, after=after)


async def find_by_key(uow: UnitOfWork, email_or_username: str) -> User | None:
    """The user an email or username names; None when none does or the key can't be either."""
    key = rules.user_key(email_or_username)
    if key is None:
        return None
    kind, value = key
    if kind == "email":
        return await uow.users.get_by_email(value)
    return await uow.users.get_by_username(value)


UNUSABLE_PASSWORD_PREFIX = "!"
"""Starts a stored password hash that no password matches (the hasher refuses it as malformed):
an invited account's before its set-password link is used, or a reset one's."""


def is_unusable_password_hash(stored: str) -> bool:
    """Whether a stored hash is one `unusable_password_hash` made (no password matches it)."""
    return stored.startswith(UNUSABLE_PASSWORD_PREFIX)


def unusable_password_hash() -> str:
    """A stored hash no password matches, random so every reset changes it (which is what ends
    the set-password links made before)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(16)


def _username_from(email: str) -> str:
    local = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in email.split("@", 1)[0])
    local = local.strip("._-") or "user"
    return local[:40]
