"""The channel's signing keys: metadata then JWKS, cached, refreshed daily and on new kids."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger("codestream.teams.openid")

REFRESH_INTERVAL = 24 * 3600.0
"""Microsoft: refresh the key list at least once every 24 hours."""
UNKNOWN_KID_COOLDOWN = 60.0
"""At most one refresh a minute for unknown kids: forged tokens can't make us hammer Microsoft."""
FETCH_TIMEOUT = 10.0


@dataclass(frozen=True)
class SigningKey:
    """One RSA public key and the channels it is endorsed for."""

    kid: str
    public_key: Any
    endorsements: frozenset[str]


class KeySourceError(Exception):
    """The metadata or the key set could not be fetched or understood."""


class SigningKeys:
    """A cache of the channel's signing keys.

    Keys are fetched on first use, refreshed when older than a day, and refreshed at once when a
    token names a kid we don't know, at most once per cooldown. If a refresh fails the keys we
    have keep serving: a Microsoft outage must not lock every user out.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        metadata_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_interval: float = REFRESH_INTERVAL,
        unknown_kid_cooldown: float = UNKNOWN_KID_COOLDOWN,
    ) -> None:
        self._http = http
        self._metadata_url = metadata_url
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._cooldown = unknown_kid_cooldown
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempts = 0
        self._quiet_until: float | None = None
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    async def key_for(self, kid: str) -> SigningKey | None:
        """The key with this kid, refreshing the set when due; None if it is not (yet) known.

        The cooldown starts after a refresh an unknown kid asked for, or after one that failed:
        forged kids or a Microsoft outage cost at most one fetch per cooldown. A scheduled
        refresh that succeeded does not start it, so a key published just after it is still
        picked up on its first use.
        """
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._refresh_interval
        unknown = kid not in self._keys
        quiet = self._quiet_until is not None and now < self._quiet_until
        if (stale or unknown) and not quiet:
            await self._refresh(self._attempts, for_unknown_kid=unknown and not stale)
        return self._keys.get(kid)

    async def _refresh(self, attempts_seen: int, *, for_unknown_kid: bool) -> None:
        # `_attempts` counts finished attempts: one that ends while we wait serves us too.
        async with self._lock:
            if self._attempts != attempts_seen:
                return  # another request refreshed while we waited for the lock
            attempted = self._clock()
            try:
                keys = await self._fetch()
            except KeySourceError as exc:
                self._attempts += 1
                self._quiet_until = attempted + self._cooldown
                kept = f"; still using the {len(self._keys)} keys we have" if self._keys else ""
                log.warning("could not refresh the Bot Framework signing keys: %s%s", exc, kept)
                return
            self._attempts += 1
            self._keys = keys
            self._fetched_at = attempted
            self._quiet_until = attempted + self._cooldown if for_unknown_kid else None

    async def _fetch(self) -> dict[str, SigningKey]:
        self.fetch_count += 1
        metadata = await self._get_json(self._metadata_url)
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise KeySourceError(f"metadata at {self._metadata_url} has no usable jwks_uri")
        document = await self._get_json(jwks_uri)
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise KeySourceError(f"{jwks_uri} has no 'keys' list")
        keys: dict[str, SigningKey] = {}
        for entry in entries:
            key = _parse_key(entry)
            if key is not None:
                keys[key.kid] = key
        if not keys:
            raise KeySourceError(f"{jwks_uri} lists no usable RSA keys")
        return keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, timeout=FETCH_TIMEOUT)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise KeySourceError(f"GET {url} failed: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            raise KeySourceError(f"{url} did not return a JSON object")
        return body


def _parse_key(entry: Any) -> SigningKey | None:
    if (
        not isinstance(entry, dict)
        or entry.get("kty") != "RSA"
        or not isinstance(entry.get("kid"), str)
    ):
        return None
    try:
        public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
    except (ValueError, KeyError, TypeError, jwt.PyJWTError):  # one bad key must not stop the rest
        return None
    if not isinstance(public_key, RSAPublicKey):
        return None  # a private JWK has no business here
    endorsements = entry.get("endorsements") or []
    if not isinstance(endorsements, list):
        endorsements = []
    return SigningKey(
        kid=entry["kid"],
        public_key=public_key,
        endorsements=frozenset(e for e in endorsements if isinstance(e, str)),
    )
