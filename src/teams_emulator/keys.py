"""RSA signing keys and the JWK sets that publish them.

Each key carries a self-signed certificate so the JWK can show `x5t` and `x5c` like Microsoft's, and
an `endorsements` list (the channel ids the key may sign for). A :class:`KeyRing` adds, retires and
publishes keys; a retired key can still sign, which is how tests make "rotated away" tokens.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEFAULT_ENDORSEMENTS = ("msteams", "webchat", "skype", "emulator")

_pool: list[rsa.RSAPrivateKey] = []
_pool_lock = threading.Lock()


def pooled_rsa_key(index: int) -> rsa.RSAPrivateKey:
    """The `index`-th RSA-2048 key of a per-process pool (generation is slow; tests make many)."""
    with _pool_lock:
        while len(_pool) <= index:
            _pool.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _pool[index]


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE wants it."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _self_signed(key: rsa.RSAPrivateKey, serial: int, subject: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )


@dataclass
class SigningKey:
    """One RSA key with its certificate, id and endorsements."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    endorsements: list[str] = field(default_factory=lambda: list(DEFAULT_ENDORSEMENTS))
    published: bool = True
    _public: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def kid(self) -> str:
        """Key id; Microsoft's Bot Framework keys use the certificate thumbprint, like `x5t`."""
        return self.x5t

    @cached_property
    def x5t(self) -> str:
        """Base64url SHA-1 thumbprint of the certificate."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return b64url(hashlib.sha1(der, usedforsecurity=False).digest())

    def public_pem(self) -> bytes:
        """The public key as PEM (what an HS256-confusion attack uses as the HMAC secret)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self, *, with_endorsements: bool = True) -> dict[str, Any]:
        """The public JWK as Microsoft publishes it."""
        if self._public is None:
            numbers = self.private_key.public_key().public_numbers()
            der = self.certificate.public_bytes(serialization.Encoding.DER)
            self._public = {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": self.kid,
                "x5t": self.x5t,
                "n": _int_b64(numbers.n),
                "e": _int_b64(numbers.e),
                "x5c": [base64.b64encode(der).decode()],
            }
        jwk = dict(self._public)
        if with_endorsements:
            jwk["endorsements"] = list(self.endorsements)
        return jwk


class KeyRing:
    """The keys one issuer signs with, and the subset it publishes."""

    def __init__(self, subject: str, *, endorsements: bool = True) -> None:
        self._subject = subject
        self._endorsements = endorsements
        self._keys: list[SigningKey] = []
        self._next_pool_index = 0
        self._serial = 1
        self.active: SigningKey = self.add_key()

    def _new_key(self, endorsements: list[str] | None, published: bool) -> SigningKey:
        private = pooled_rsa_key(self._next_pool_index)
        self._next_pool_index += 1
        self._serial += 1
        subject = f"{self._subject} #{self._serial}"
        certificate = _self_signed(private, self._serial * 7919 + id(self) % 7919, subject)
        chosen = list(DEFAULT_ENDORSEMENTS) if endorsements is None else list(endorsements)
        return SigningKey(private, certificate, chosen, published)

    def add_key(
        self, endorsements: list[str] | None = None, *, activate: bool = True
    ) -> SigningKey:
        """Publish a new key; by default it also becomes the one used to sign."""
        key = self._new_key(endorsements, published=True)
        self._keys.append(key)
        if activate:
            self.active = key
        return key

    def rotate(self) -> SigningKey:
        """Add a new active key and retire the previous active one."""
        old = self.active
        new = self.add_key()
        self.retire(old.kid)
        return new

    def retire(self, kid: str) -> SigningKey:
        """Stop publishing a key (it can still sign, so tests can send stale tokens)."""
        key = self.get(kid)
        key.published = False
        if self.active is key:
            candidates = [k for k in self._keys if k.published]
            if candidates:
                self.active = candidates[-1]
        return key

    def unpublished_key(self) -> SigningKey:
        """A key that is never published: tokens signed with it have an unknown `kid`."""
        key = self._new_key(None, published=False)
        self._keys.append(key)
        return key

    def get(self, kid: str) -> SigningKey:
        """The key with this id, published or not; KeyError if none."""
        for key in self._keys:
            if key.kid == kid:
                return key
        raise KeyError(kid)

    def all_keys(self) -> list[SigningKey]:
        """Every key ever made, published or not."""
        return list(self._keys)

    def published(self) -> list[SigningKey]:
        """Keys currently in the JWK set."""
        return [k for k in self._keys if k.published]

    def find_published(self, kid: str) -> SigningKey | None:
        """The published key with this id, or None."""
        for key in self._keys:
            if key.published and key.kid == kid:
                return key
        return None

    def jwks(self) -> dict[str, Any]:
        """The JWK set document."""
        return {"keys": [k.jwk(with_endorsements=self._endorsements) for k in self.published()]}
