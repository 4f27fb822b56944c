"""The JWT authorizer's environment (template.yaml gives it from the Jwt* parameters), validated at invocation.

Kept beside the authorizer rather than in `sfbridge.config`, whose `Settings` base it uses.
"""

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from sfbridge.config import Settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class JwtAuthorizerSettings(Settings):
    """The JWT authorizer's trust settings. Unused template parameters arrive as empty strings: they mean "none"."""

    issuer: str = Field(alias="JWT_ISSUER", min_length=1)
    audience: str = Field(alias="JWT_AUDIENCE", min_length=1)
    clock_skew_seconds: int = Field(default=60, alias="JWT_CLOCK_SKEW_SECONDS", ge=0, le=300)
    certificates_parameter: str | None = Field(default=None, alias="JWT_CERTIFICATES_PARAMETER")
    jwks_url: str | None = Field(default=None, alias="JWT_JWKS_URL")
    keys_max_age_seconds: int = Field(default=300, alias="JWT_KEYS_MAX_AGE_SECONDS", ge=0, le=86_400)
    keys_max_stale_seconds: int = Field(default=3600, alias="JWT_KEYS_MAX_STALE_SECONDS", ge=0, le=86_400)
    """How long keys are still used after `keys_max_age_seconds` when every reload fails."""
    max_lifetime_seconds: int = Field(default=3600, alias="JWT_MAX_LIFETIME_SECONDS", ge=60, le=86_400)
    """Longest validity (`exp - iat`, and `exp` from now) a token may claim; Salesforce mints 2-minute tokens."""

    @field_validator("certificates_parameter", "jwks_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("jwks_url")
    @classmethod
    def _https_or_loopback(cls, value: str | None) -> str | None:
        # Keys fetched over plain HTTP could be swapped in transit; loopback is allowed for local runs and tests.
        if value is None:
            return None
        url = urlsplit(value)
        if url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS):
            return value
        raise ValueError("must be an https:// URL")
