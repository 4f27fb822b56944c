"""The Outbound Message endpoint's tokens, read from Secrets Manager once and kept for `max_age` seconds.

Powertools' parameters utility holds the cache, so a warm receiver reads the secret once per cold start and then
once per `max_age`: a rotation step (a new `current`, or `previous` emptied) takes effect within that time.
"""

from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ConfigurationError, EndpointTokensUnavailable
from sfbridge.models.endpoint_token import accepted_tokens


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
        return accepted_tokens(document)
    except ValueError as exc:
        # The message names the fields, never their values: they are the tokens.
        raise ConfigurationError(f"the endpoint token secret is invalid: {exc}") from None
