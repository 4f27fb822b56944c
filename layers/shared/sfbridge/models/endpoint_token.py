"""The Secrets Manager secret behind `EndpointToken`: `{"current": "...", "previous": "..."}`."""

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{24,128}$"  # noqa: S105 - a pattern, not a password
"""The template parameter's own AllowedPattern: URL-safe, so it travels in `?token=` unescaped."""

Token = Annotated[SecretStr, Field(min_length=24, max_length=128)]


class EndpointTokenSecret(BaseModel):
    """`current` is always accepted; `previous` too while a rotation is under way (empty otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    current: Token
    previous: Token | None = None

    @field_validator("previous", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("current", "previous")
    @classmethod
    def _url_safe(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(TOKEN_PATTERN, value.get_secret_value()):
            raise ValueError("must be 24 to 128 URL-safe characters")
        return value

    def accepted(self) -> tuple[str, ...]:
        tokens = (self.current, self.previous)
        return tuple(token.get_secret_value() for token in tokens if token is not None)
