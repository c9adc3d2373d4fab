"""Inbound requests: the Bot Framework JWT rules, applied to every activity the channel sends.

Rules (Microsoft, "Authentication with the Bot Connector API"): Bearer scheme; RS256 only; issuer
and audience; 5 minutes of clock skew; a key from the channel's OpenID metadata; that key endorsed
for the activity's channelId (else 403); the `serviceurl` claim equal to the activity's serviceUrl.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from codestream.teams.openid import SigningKeys
from codestream.teams.settings import CLOCK_SKEW_SECONDS

MAX_TOKEN_LENGTH = 8192
_CACHE_SIZE = 4096


class InboundAuthError(Exception):
    """A request that must be refused; `status` is 401 or 403. The reason is for our log only."""

    def __init__(self, status: int, reason: str, code: str = "invalid_token") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code
        """A short fixed word for metrics: invalid_token, missing_token, expired, unknown_key,
        not_endorsed, service_url_mismatch."""


@dataclass(frozen=True)
class VerifiedToken:
    """What a valid channel token told us."""

    service_url: str
    expires_at: float
    kid: str
    endorsements: frozenset[str]
    claims: dict[str, Any]


def same_service_url(claimed: str, actual: str) -> bool:
    """The serviceurl claim matches the activity's serviceUrl, ignoring one trailing slash."""
    root = claimed.removesuffix("/")
    return bool(root) and root == actual.removesuffix("/")


class InboundVerifier:
    """Checks channel tokens. Verified tokens are remembered until they expire, by exact value."""

    def __init__(
        self,
        keys: SigningKeys,
        *,
        app_id: str,
        issuer: str,
        clock: Callable[[], float] = time.time,
        leeway: int = CLOCK_SKEW_SECONDS,
    ) -> None:
        self._keys = keys
        self._app_id = app_id
        self._issuer = issuer
        self._clock = clock
        self._leeway = leeway
        self._verified: OrderedDict[str, VerifiedToken] = OrderedDict()

    async def authenticate(self, authorization: str | None) -> VerifiedToken:
        """Check the token itself: scheme, algorithm, key, signature, issuer, audience, times."""
        token = _bearer_token(authorization)
        verified = self._verified.get(token)
        if verified is not None:
            # A remembered token still needs a live key: once the daily refresh drops a key,
            # tokens it signed stop working even if we verified them before.
            if verified.expires_at + self._leeway > self._clock() and (
                await self._keys.key_for(verified.kid) is not None
            ):
                return verified
            self._verified.pop(token, None)
        verified = await self._verify_signature(token)
        self._remember(token, verified)
        return verified

    @staticmethod
    def authorize(verified: VerifiedToken, *, channel_id: str, service_url: str) -> None:
        """Check the token fits the activity: key endorsed for its channel, same serviceUrl."""
        if channel_id not in verified.endorsements:
            raise InboundAuthError(
                403,
                f"key {verified.kid} is not endorsed for channel {channel_id!r:.40}",
                "not_endorsed",
            )
        if not same_service_url(verified.service_url, service_url):
            raise InboundAuthError(
                401,
                "the token's serviceurl claim does not match the activity",
                "service_url_mismatch",
            )

    async def verify(
        self, authorization: str | None, *, channel_id: str, service_url: str
    ) -> VerifiedToken:
        """Both checks at once; raise InboundAuthError if either fails."""
        verified = await self.authenticate(authorization)
        self.authorize(verified, channel_id=channel_id, service_url=service_url)
        return verified

    async def _verify_signature(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InboundAuthError(401, f"malformed token: {exc}") from exc
        if header.get("alg") != "RS256":
            raise InboundAuthError(401, f"algorithm {str(header.get('alg'))[:20]!r} is not RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise InboundAuthError(401, "token names no key (kid)")
        key = await self._keys.key_for(kid)
        if key is None:
            raise InboundAuthError(401, f"unknown signing key {kid[:60]!r}", "unknown_key")
        try:
            # Times are checked below against our clock, not PyJWT's (one clock for all checks).
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iss", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise InboundAuthError(401, f"invalid token: {type(exc).__name__}: {exc}") from exc
        now = self._clock()
        expires = _timestamp(claims, "exp")
        if expires is None or now > expires + self._leeway:
            raise InboundAuthError(401, "token expired (or exp is not a time)", "expired")
        for early in ("nbf", "iat"):
            if early in claims:
                when = _timestamp(claims, early)
                if when is None or when > now + self._leeway:
                    raise InboundAuthError(401, f"token not valid yet ({early})")
        # The exact lower-case name, as Microsoft's validators read it: a `serviceUrl` claim
        # is some other claim, not this one.
        service_url = claims.get("serviceurl")
        if not isinstance(service_url, str) or not service_url:
            raise InboundAuthError(401, "token has no serviceurl claim")
        return VerifiedToken(
            service_url=service_url,
            expires_at=expires,
            kid=kid,
            endorsements=key.endorsements,
            claims=claims,
        )

    def _remember(self, token: str, verified: VerifiedToken) -> None:
        self._verified[token] = verified
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)


def _timestamp(claims: dict[str, Any], name: str) -> float | None:
    """A NumericDate claim as a finite number, or None (bools, strings, NaN and inf are not)."""
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too big for a float
        return None
    return number if math.isfinite(number) else None


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise InboundAuthError(401, "no Authorization header", "missing_token")
    if len(authorization) > MAX_TOKEN_LENGTH:
        raise InboundAuthError(401, "Authorization header too long")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InboundAuthError(401, "Authorization is not a Bearer token")
    return token.strip()
