"""Verify the JWT a Salesforce Named Credential mints: RS256 only, trusted key, issuer, audience, time window."""

import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from sfbridge.auth.errors import TokenRejected
from sfbridge.auth.keys import SigningKeys
from sfbridge.models.authorizer import VerifiedToken

ALGORITHM: Final = "RS256"
"""The only algorithm accepted. Pinned here, never read from the token: that is what defeats `alg: none` and
HS256-with-the-public-key forgeries."""
MAX_HEADER_LENGTH: Final = 8192
REQUIRED_CLAIMS: Final = ("exp", "iss", "aud")
# The signature segment may be empty here so that an unsigned token is refused for its algorithm, by name.
_BEARER: Final = re.compile(r"(?i:bearer) +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)")


class RejectReason(StrEnum):
    """Why a token was refused: fixed texts, safe to log, never derived from the token."""

    MISSING = "no bearer token"
    MALFORMED = "malformed token"
    ALGORITHM = "algorithm not allowed"
    UNKNOWN_KEY = "signed with an unknown key"
    BAD_SIGNATURE = "signature does not verify"
    EXPIRED = "token expired"
    NOT_YET_VALID = "token not yet valid"
    WRONG_AUDIENCE = "wrong audience"
    WRONG_ISSUER = "wrong issuer"
    MISSING_CLAIM = "required claim missing"
    LIFETIME = "token lifetime too long"


# Most specific first: PyJWT's InvalidSignatureError is a DecodeError, and every class here an InvalidTokenError.
_REASONS: Final[tuple[tuple[type[jwt.PyJWTError], RejectReason], ...]] = (
    (jwt.ExpiredSignatureError, RejectReason.EXPIRED),
    (jwt.ImmatureSignatureError, RejectReason.NOT_YET_VALID),
    (jwt.InvalidAudienceError, RejectReason.WRONG_AUDIENCE),
    (jwt.InvalidIssuerError, RejectReason.WRONG_ISSUER),
    (jwt.MissingRequiredClaimError, RejectReason.MISSING_CLAIM),
    (jwt.InvalidAlgorithmError, RejectReason.ALGORITHM),
    (jwt.InvalidSignatureError, RejectReason.BAD_SIGNATURE),
)


@dataclass(frozen=True)
class TokenRules:
    issuer: str
    audience: str
    clock_skew_seconds: int
    max_lifetime_seconds: int = 3600
    """A stolen token is only as dangerous as it is long-lived: a longer `exp - iat` (or `exp` from now) is refused."""


class KeyProvider(Protocol):
    def current(self) -> SigningKeys: ...

    def refreshed(self) -> SigningKeys: ...


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <jwt>` header value."""
    if not header or not header.strip():
        raise TokenRejected(RejectReason.MISSING)
    match = _BEARER.fullmatch(header.strip()) if len(header) <= MAX_HEADER_LENGTH else None
    if match is None:
        raise TokenRejected(RejectReason.MALFORMED)
    return match.group(1)


def verify_token(token: str, keys: KeyProvider, rules: TokenRules) -> VerifiedToken:
    """The token's identity once its signature, algorithm, issuer, audience and time window all check out."""
    kid = _key_id(token)
    candidates = keys.current().candidates(kid) or keys.refreshed().candidates(kid)
    if not candidates:
        raise TokenRejected(RejectReason.UNKNOWN_KEY)
    claims = _decode(token, candidates, rules)
    _check_lifetime(claims, rules)
    return VerifiedToken(issuer=claims["iss"], subject=claims.get("sub"), expires_at=int(claims["exp"]))


def _key_id(token: str) -> str | None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejected(RejectReason.MALFORMED) from None
    if header.get("alg") != ALGORITHM:
        raise TokenRejected(RejectReason.ALGORITHM)
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected(RejectReason.MALFORMED)
    return kid


def _decode(token: str, candidates: tuple[RSAPublicKey, ...], rules: TokenRules) -> dict[str, Any]:
    # PyJWT checks the signature before any claim, so only a genuine token gets as far as exp/aud/iss.
    for key in candidates:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=rules.audience,
                issuer=rules.issuer,
                leeway=rules.clock_skew_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as error:
            raise TokenRejected(_reason(error)) from None
    raise TokenRejected(RejectReason.BAD_SIGNATURE)


def _check_lifetime(claims: dict[str, Any], rules: TokenRules, now: float | None = None) -> None:
    # `iat` is optional in RFC 7519, so the remaining validity counts too: a token without `iat` cannot claim a
    # long life either. PyJWT has already checked that `exp` and `iat` are numbers.
    limit = rules.max_lifetime_seconds + rules.clock_skew_seconds
    expires = float(claims["exp"])
    issued = claims.get("iat")
    if issued is not None and expires - float(issued) > limit:
        raise TokenRejected(RejectReason.LIFETIME)
    if expires - (time.time() if now is None else now) > limit:
        raise TokenRejected(RejectReason.LIFETIME)


def _reason(error: jwt.PyJWTError) -> RejectReason:
    return next((reason for kind, reason in _REASONS if isinstance(error, kind)), RejectReason.MALFORMED)
