"""The sign-in link's signed `state` and the one-time code that completes a sign-in.

The state is `base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload))`. The payload binds
the tenant, the Teams user (id and Entra object id), the personal chat, a random grant id (a stored
SignInGrant, which makes the link single use) and when it was issued; it is good for 10 minutes.
The code (`XXXX-XXXX-XXXX`, 60 random bits) is stored hashed; it links nothing until the Teams
user who asked hands it back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from codestream.errors import CodeStreamError

SIGNIN_TTL_MS = 10 * 60 * 1000
CODE_TTL_MS = 10 * 60 * 1000
MAX_STATE_LENGTH = 1500
_FUTURE_SKEW_MS = 60 * 1000
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_CODE_GROUPS = 3
_CODE_GROUP_LENGTH = 4


class SignInLinkInvalid(CodeStreamError):
    """The sign-in link was altered, is not ours, or doesn't match its grant."""

    code = "signin_link_invalid"
    http_status = 400


class SignInLinkExpired(CodeStreamError):
    """The sign-in link is too old, or was used already."""

    code = "signin_link_expired"
    http_status = 410


@dataclass(frozen=True)
class SignInState:
    """What a sign-in link is about."""

    tenant_id: str
    teams_user_id: str
    aad_object_id: str | None
    conversation_id: str
    grant_id: str
    issued_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, b"msteams-signin\x00" + payload.encode("ascii"), hashlib.sha256)
    return _b64(digest.digest())


def encode_state(key: bytes, state: SignInState) -> str:
    """The signed token for a sign-in link."""
    payload = _b64(
        json.dumps(
            {
                "v": 1,
                "tid": state.tenant_id,
                "uid": state.teams_user_id,
                "aad": state.aad_object_id,
                "cid": state.conversation_id,
                "gid": state.grant_id,
                "iat": state.issued_at,
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_mac(key, payload)}"


def decode_state(key: bytes, token: str, *, now: int) -> SignInState:
    """Check a state token's signature, shape and age; raises SignInLinkInvalid/Expired."""
    invalid = SignInLinkInvalid(
        "This sign-in link is not valid. Run `signin` in your personal chat with the CodeStream "
        "bot to get a new one."
    )
    if not token or len(token) > MAX_STATE_LENGTH or not token.isascii() or token.count(".") != 1:
        raise invalid
    payload, signature = token.split(".")
    if not hmac.compare_digest(_mac(key, payload).encode(), signature.encode()):
        raise invalid
    try:
        data: Any = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        raise invalid from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise invalid
    strings = [data.get(name) for name in ("tid", "uid", "cid", "gid")]
    issued_at, aad = data.get("iat"), data.get("aad")
    if not all(isinstance(s, str) and s for s in strings) or type(issued_at) is not int:
        raise invalid
    if aad is not None and not isinstance(aad, str):
        raise invalid
    if issued_at > now + _FUTURE_SKEW_MS:
        raise invalid
    if now >= issued_at + SIGNIN_TTL_MS:
        raise SignInLinkExpired(
            "This sign-in link has expired (links work for 10 minutes). Run `signin` again in "
            "your personal chat with the CodeStream bot."
        )
    tenant_id, teams_user_id, conversation_id, grant_id = (str(s) for s in strings)
    return SignInState(tenant_id, teams_user_id, aad, conversation_id, grant_id, issued_at)


def new_grant_id() -> str:
    """A random, unguessable grant id."""
    return secrets.token_urlsafe(18)


def new_code() -> str:
    """A one-time code to paste in Teams: `XXXX-XXXX-XXXX`, 60 random bits."""
    groups = (
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LENGTH))
        for _ in range(_CODE_GROUPS)
    )
    return "-".join(groups)


def normalize_code(text: str) -> str | None:
    """The code in a pasted text (any case, with or without dashes), or None if it is not one."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) != _CODE_GROUPS * _CODE_GROUP_LENGTH:
        return None
    if any(ch not in _CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_code(text: str) -> bool:
    """Whether a chat message is a pasted code: exactly `XXXX-XXXX-XXXX`, any case."""
    parts = text.strip().split("-")
    return (
        len(parts) == _CODE_GROUPS
        and all(len(part) == _CODE_GROUP_LENGTH for part in parts)
        and normalize_code(text) is not None
    )


def hash_code(normalized: str) -> str:
    """The stored form of a code: its SHA-256, hex."""
    return hashlib.sha256(f"msteams-code\x00{normalized}".encode()).hexdigest()
