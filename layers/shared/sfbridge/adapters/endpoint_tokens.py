"""The Outbound Message endpoint's tokens, read from Secrets Manager once and kept for `max_age` seconds.

A warm receiver reads the secret once per cold start and then once per `max_age`: a rotation step (a new `current`,
or `previous` emptied) takes effect within that time. The cache is a dict rather than Powertools' parameters
utility, which imports boto3 and its S3 transfer manager: that doubled the Salesforce-facing function's cold import.
"""

import json
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ConfigurationError, EndpointTokensUnavailable
from sfbridge.models.endpoint_token import accepted_tokens

_cache: dict[str, tuple[float, tuple[str, ...]]] = {}
_lock = threading.Lock()


def read_endpoint_tokens(secret_id: str, *, max_age: int) -> tuple[str, ...]:
    """The tokens the endpoint accepts now: `current`, and `previous` during a rotation."""
    with _lock:
        cached = _cache.get(secret_id)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
    tokens = _read(secret_id)
    with _lock:
        _cache[secret_id] = (time.monotonic() + max_age, tokens)
    return tokens


def _read(secret_id: str) -> tuple[str, ...]:
    try:
        response = client("secretsmanager").get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as exc:
        raise EndpointTokensUnavailable("the endpoint token secret could not be read") from exc
    try:
        document = json.loads(response["SecretString"])
    except (KeyError, TypeError, ValueError):
        raise ConfigurationError("the endpoint token secret is not a JSON object") from None
    try:
        return accepted_tokens(document)
    except ValueError as exc:
        # The message names the fields, never their values: they are the tokens.
        raise ConfigurationError(f"the endpoint token secret is invalid: {exc}") from None
