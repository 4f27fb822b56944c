"""The public keys a callout JWT may be signed with: parsed from PEM or a JWKS, kept fresh, chosen by `kid`."""

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from sfbridge.auth.errors import SigningKeysUnavailable
from sfbridge.observability import logger

MIN_RSA_BITS = 2048
_PEM_BLOCK = re.compile(rb"-----BEGIN (CERTIFICATE|PUBLIC KEY)-----.+?-----END \1-----", re.DOTALL)


@dataclass(frozen=True)
class SigningKeys:
    """Keys published with a `kid` (JWKS) and keys pinned without one (PEM certificates).

    Salesforce puts a `kid` of its own choosing in every token, so a pinned certificate is tried whatever the
    token's `kid`; a JWKS key only for its own `kid`.
    """

    by_kid: Mapping[str, RSAPublicKey] = field(default_factory=dict)
    pinned: tuple[RSAPublicKey, ...] = ()

    def candidates(self, kid: str | None) -> tuple[RSAPublicKey, ...]:
        if kid is not None and kid in self.by_kid:
            return (self.by_kid[kid], *self.pinned)
        if kid is None:
            return (*self.by_kid.values(), *self.pinned)
        return self.pinned

    @classmethod
    def merge(cls, key_sets: Iterable["SigningKeys"]) -> "SigningKeys":
        by_kid: dict[str, RSAPublicKey] = {}
        pinned: list[RSAPublicKey] = []
        for keys in key_sets:
            by_kid.update(keys.by_kid)
            pinned.extend(keys.pinned)
        return cls(by_kid=by_kid, pinned=tuple(pinned))


def parse_pem_keys(text: str) -> SigningKeys:
    """Every certificate and public key in `text` (a Salesforce certificate, or several during a rotation)."""
    keys = [_rsa_key(_pem_public_key(block.group(1), block.group(0))) for block in _PEM_BLOCK.finditer(text.encode())]
    if not keys:
        raise SigningKeysUnavailable("no PEM certificate or public key found")
    return SigningKeys(pinned=tuple(keys))


def parse_jwks(document: Any) -> SigningKeys:
    """The RS256 signing keys of a JWKS document; other keys (encryption, EC, HMAC) are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SigningKeysUnavailable("the JWKS document has no 'keys' array")
    by_kid: dict[str, RSAPublicKey] = {}
    pinned: list[RSAPublicKey] = []
    for entry in entries:
        key = _jwk_signing_key(entry)
        if key is None:
            continue
        kid = entry.get("kid")
        if isinstance(kid, str) and kid:
            by_kid[kid] = key
        else:
            pinned.append(key)
    if not by_kid and not pinned:
        raise SigningKeysUnavailable("the JWKS document holds no RS256 signing key")
    return SigningKeys(by_kid=by_kid, pinned=tuple(pinned))


def _pem_public_key(kind: bytes, block: bytes) -> object:
    try:
        if kind == b"CERTIFICATE":
            return x509.load_pem_x509_certificate(block).public_key()
        return load_pem_public_key(block)
    except ValueError as exc:
        raise SigningKeysUnavailable(f"a PEM {kind.decode().lower()} does not parse") from exc


def _rsa_key(key: object) -> RSAPublicKey:
    if not isinstance(key, RSAPublicKey):
        raise SigningKeysUnavailable("a configured key is not an RSA key (RS256 needs one)")
    if key.key_size < MIN_RSA_BITS:
        raise SigningKeysUnavailable(f"a configured RSA key has {key.key_size} bits, fewer than {MIN_RSA_BITS}")
    return key


def _jwk_signing_key(entry: object) -> RSAPublicKey | None:
    if not isinstance(entry, dict) or entry.get("kty") != "RSA":
        return None
    if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256":
        return None
    try:
        key = jwt.PyJWK(entry, algorithm="RS256").key
    except jwt.PyJWTError:
        logger.warning("skipping a JWKS entry that does not parse", kid=str(entry.get("kid", ""))[:64])
        return None
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        return None
    return key


class CachedSigningKeys:
    """Keys loaded on first use and reloaded once `max_age` has passed.

    A failed reload keeps the previous keys (a JWKS host that is briefly down must not lock Salesforce out), but
    only until they are `max_stale` older than `max_age`: a key withdrawn from the JWKS while the host is
    unreachable is not trusted for ever. Reloads are attempted at most once per `min_interval`, so neither an
    outage nor a stream of tokens with unknown `kid`s turns every request into a slow fetch.
    """

    def __init__(
        self,
        load: Callable[[], SigningKeys],
        *,
        max_age: float,
        max_stale: float = 3600.0,
        min_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._max_stale = max_stale
        self._min_interval = min_interval
        self._clock = clock
        self._keys: SigningKeys | None = None
        self._loaded_at = self._attempted_at = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> SigningKeys:
        with self._lock:
            if self._keys is None or self._clock() - self._loaded_at >= self._max_age:
                return self._reload()
            return self._keys

    def refreshed(self) -> SigningKeys:
        """The keys after a reload, for a token whose `kid` is unknown: a rotated key is found at once."""
        with self._lock:
            return self._reload()

    def _reload(self) -> SigningKeys:
        now = self._clock()
        if now - self._attempted_at < self._min_interval:
            if self._keys is None:  # a failed load is not retried on every request either
                raise SigningKeysUnavailable("signing keys unavailable; the next reload is not due yet")
            return self._keys
        self._attempted_at = now
        try:
            keys = self._load()
        except SigningKeysUnavailable as error:
            if self._keys is None:
                raise
            if now - self._loaded_at >= self._max_age + self._max_stale:
                self._keys = None  # too old to trust: refuse until a reload succeeds
                raise SigningKeysUnavailable(f"signing keys could not be reloaded for too long: {error}") from error
            logger.warning("signing keys reload failed; keeping the previous keys", reason=str(error))
            return self._keys
        self._keys, self._loaded_at = keys, now
        return keys
