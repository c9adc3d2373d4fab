"""JWTs both ways: channel tokens Teams sends to bots, and Entra access tokens bots send back.

`sign_jwt` can also make the bad tokens an auth test needs: `alg: none`, HS256 keyed with the RSA
public key (the algorithm-confusion attack), RS384, a key nobody published, and any claim set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from teams_emulator.clock import Clock
from teams_emulator.keys import KeyRing, SigningKey, b64url

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
BOT_FRAMEWORK_AUDIENCE = "https://api.botframework.com"
BOT_FRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db"
"""The `botframework.com` tenant, issuer of legacy multi-tenant bots' tokens."""

_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_UNSET: Any = object()


def _segment(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_jwt(
    claims: Mapping[str, Any],
    *,
    key: SigningKey | None = None,
    algorithm: str = "RS256",
    headers: Mapping[str, Any] | None = None,
    hmac_secret: bytes | None = None,
) -> str:
    """Sign `claims` with any algorithm, including ones a validator must refuse.

    RS*/PS* sign with `key` and put its `kid` and `x5t` in the header. `none` gives an unsigned
    token. HS* uses `hmac_secret`, or by default the PEM of `key`'s public key (alg confusion).
    """
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if key is not None and algorithm != "none":
        header.update({"kid": key.kid, "x5t": key.x5t})
    header.update(headers or {})
    if algorithm == "none":
        return f"{_segment(header)}.{_segment(claims)}."
    if algorithm in _HMAC:
        if hmac_secret is None:
            if key is None:
                raise ValueError("HS* needs hmac_secret or a key whose public PEM is the secret")
            hmac_secret = key.public_pem()
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        digest = hmac.new(hmac_secret, signing_input.encode(), _HMAC[algorithm]).digest()
        return f"{signing_input}.{b64url(digest)}"
    if key is None:
        raise ValueError(f"{algorithm} needs a signing key")
    extra = {k: v for k, v in header.items() if k not in ("alg",)}
    return jwt.encode(dict(claims), key.private_key, algorithm=algorithm, headers=extra)


class ChannelTokens:
    """Mints the tokens Teams puts in `Authorization` when it POSTs an activity to a bot."""

    def __init__(self, keys: KeyRing, clock: Clock, issuer: str = BOT_FRAMEWORK_ISSUER) -> None:
        self.keys = keys
        self.clock = clock
        self.issuer = issuer

    def mint(
        self,
        app_id: str,
        service_url: str,
        *,
        key: SigningKey | None = None,
        algorithm: str = "RS256",
        issuer: str | None = None,
        audience: Any = _UNSET,
        service_url_claim: Any = _UNSET,
        not_before: float | None = None,
        expires: float | None = None,
        lifetime: float = 3600,
        extra_claims: Mapping[str, Any] | None = None,
        drop_claims: Iterable[str] = (),
        headers: Mapping[str, Any] | None = None,
        hmac_secret: bytes | None = None,
    ) -> str:
        """A channel token for `app_id`; every knob exists to build a wrong one on purpose.

        The default is what Teams sends: RS256 by the active key, `iss` api.botframework.com,
        `aud` = app id, `serviceurl` = the activity's serviceUrl, `nbf` 5 s ago, one hour of life,
        and no `ver`/`appid`/`tid`.
        """
        now = self.clock()
        claims: dict[str, Any] = {
            "serviceurl": service_url if service_url_claim is _UNSET else service_url_claim,
            "nbf": int(now - 5 if not_before is None else not_before),
            "exp": int(now + lifetime if expires is None else expires),
            "iss": issuer or self.issuer,
            "aud": app_id if audience is _UNSET else audience,
        }
        claims.update(extra_claims or {})
        for name in drop_claims:
            claims.pop(name, None)
        return sign_jwt(
            claims,
            key=key or self.keys.active,
            algorithm=algorithm,
            headers=headers,
            hmac_secret=hmac_secret,
        )


@dataclass
class _Verified:
    claims: dict[str, Any]
    key: SigningKey
    expires: float


class AccessTokens:
    """Issues Entra-style app tokens for the Bot Connector and checks them on every call."""

    def __init__(self, keys: KeyRing, clock: Clock, *, lifetime: int = 3600, skew: float = 300):
        self.keys = keys
        self.clock = clock
        self.lifetime = lifetime
        self.skew = skew
        self._cache: dict[str, _Verified] = {}

    def issue(self, app_id: str, tenant_id: str) -> str:
        """A v1 Entra access token for the Bot Framework audience, as the token endpoint returns."""
        now = int(self.clock())
        issuer = f"https://sts.windows.net/{tenant_id}/"
        claims = {
            "aud": BOT_FRAMEWORK_AUDIENCE,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "appid": app_id,
            "appidacr": "1",
            "idp": issuer,
            "idtyp": "app",
            "tid": tenant_id,
            "ver": "1.0",
        }
        return sign_jwt(claims, key=self.keys.active)

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired token this emulator issued; None otherwise.

        Verified tokens are cached, so the hot path is a dict lookup and a time comparison.
        """
        now = self.clock()
        hit = self._cache.get(token)
        if hit is None:
            hit = self._decode(token)
            if hit is None:
                return None
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[token] = hit
        if not hit.key.published or now > hit.expires + self.skew:
            return None
        if now + self.skew < float(hit.claims.get("nbf", 0)):
            return None
        return hit.claims

    def _decode(self, token: str) -> _Verified | None:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.find_published(str(header.get("kid", "")))
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=["RS256"],
                audience=BOT_FRAMEWORK_AUDIENCE,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        if not str(claims.get("iss", "")).startswith("https://sts.windows.net/"):
            return None
        if not isinstance(claims.get("exp"), int | float) or not claims.get("appid"):
            return None
        return _Verified(claims, key, float(claims["exp"]))
