"""What API Gateway hands a TOKEN authorizer, and what a verified callout token says about its caller."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

METHOD_ARN_PATTERN = r"^arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+/[^/]+/[A-Z]+/.*$"


class TokenAuthorizerEvent(BaseModel):
    """A REST API TOKEN authorizer event. The token is a SecretStr so that no repr or log line can show it."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    type: Literal["TOKEN"]
    authorization_token: SecretStr | None = Field(default=None, alias="authorizationToken")
    method_arn: str = Field(alias="methodArn", pattern=METHOD_ARN_PATTERN)


class VerifiedToken(BaseModel):
    """The identity of a token that passed every check."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    subject: str | None = None
    expires_at: int
