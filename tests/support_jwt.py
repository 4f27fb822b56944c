"""Keys, certificates and tokens for the JWT authorizer tests: generated here, so no test needs the network."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support import load_event

ISSUER = "https://example-org.my.salesforce.com"
AUDIENCE = "sfbridge-callouts"
SUBJECT = "integration.user@example.com"
KID = "SfbridgeJwtCert"
PLACEHOLDER = "SIGNED_JWT_PLACEHOLDER"
ENVIRONMENT = {"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "JWT_CLOCK_SKEW_SECONDS": "60"}


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def claims(**overrides: Any) -> dict[str, Any]:
    """What a Salesforce External Credential puts in its JWT, valid for two minutes; an override of None drops
    the claim."""
    now = int(time.time())
    standard = {"iss": ISSUER, "aud": AUDIENCE, "sub": SUBJECT, "iat": now, "nbf": now, "exp": now + 120}
    return {name: value for name, value in (standard | overrides).items() if value is not None}


def sign(private_key: rsa.RSAPrivateKey, *, kid: str | None = KID, **claim_overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**claim_overrides), private_key, algorithm="RS256", headers=headers)


def forge_hs256_with_public_key(private_key: rsa.RSAPrivateKey) -> str:
    """The key-confusion forgery: HS256 with the (public) certificate key as the HMAC secret."""
    secret = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': KID})}.{_segment(claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def unsigned_token() -> str:
    """`alg: none`, empty signature."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims())}."


def public_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def self_signed_certificate_pem(private_key: Any) -> str:
    """A certificate like the self-signed one Salesforce's Certificate and Key Management creates."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, KID)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def jwks(*entries: tuple[str | None, rsa.RSAPrivateKey]) -> dict[str, Any]:
    keys = []
    for kid, private_key in entries:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
        keys.append(jwk | {"use": "sig", "alg": "RS256"} | ({"kid": kid} if kid else {}))
    return {"keys": keys}


def authorizer_event(token: str, name: str = "jwt_authorizer/post-event") -> dict[str, Any]:
    """A sample TOKEN event from events/ carrying `Bearer <token>`."""
    event = load_event(name)
    assert PLACEHOLDER in event["authorizationToken"]
    return {**event, "authorizationToken": event["authorizationToken"].replace(PLACEHOLDER, token)}


def _segment(data: dict[str, Any]) -> str:
    return _b64url(json.dumps(data, separators=(",", ":")).encode())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
