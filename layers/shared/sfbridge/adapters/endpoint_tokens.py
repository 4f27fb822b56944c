"""The Outbound Message endpoint's tokens, read from Secrets Manager once and kept for `max_age` seconds.

Powertools' parameters utility holds the cache, so a warm receiver reads the secret once per cold start and then
once per `max_age`: a rotation step (a new `current`, or `previous` emptied) takes effect within that time.
"""

from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError
from pydantic import ValidationError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ConfigurationError, EndpointTokensUnavailable
from sfbridge.models.endpoint_token import EndpointTokenSecret


@cache
def _secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=client("secretsmanager"))


def read_endpoint_tokens(secret_id: str, *, max_age: int) -> tuple[str, ...]:
    """The tokens the endpoint accepts now: `current`, and `previous` during a rotation."""
    try:
        document = _secrets().get(secret_id, max_age=max_age, transform="json")
    except TransformParameterError as exc:
        raise ConfigurationError("the endpoint token secret is not a JSON object") from exc
    except GetParameterError as exc:
        raise EndpointTokensUnavailable("the endpoint token secret could not be read") from exc
    try:
        return EndpointTokenSecret.model_validate(document).accepted()
    except ValidationError as exc:
        # Name the fields, never their values: they are the tokens.
        fields = ", ".join(".".join(map(str, error["loc"])) or "document" for error in exc.errors())
        raise ConfigurationError(f"the endpoint token secret is invalid: {fields}") from None
