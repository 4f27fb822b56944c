"""Powertools idempotency on the project's `IdempotencyTable`: the one place its persistence layer is set up."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.hook import IdempotentHookFunction
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.aws import client


def run_once[F: Callable[..., Any]](
    function: F,
    *,
    table_name: str,
    ttl_seconds: int,
    context: LambdaContext,
    key_prefix: str,
    data_keyword_argument: str,
    on_repeat: IdempotentHookFunction,
    event_key_jmespath: str = "",
    payload_validation_jmespath: str = "",
) -> F:
    """`function` wrapped so that a call with the same data returns the first result without running again.

    The Lambda context bounds how long a crashed call keeps its key locked (its remaining time, not the TTL).
    """
    config = IdempotencyConfig(
        event_key_jmespath=event_key_jmespath,
        payload_validation_jmespath=payload_validation_jmespath,
        expires_after_seconds=ttl_seconds,
        response_hook=on_repeat,
    )
    config.register_lambda_context(context)
    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))
    wrapped: F = idempotent_function(
        data_keyword_argument=data_keyword_argument, persistence_store=persistence, config=config, key_prefix=key_prefix
    )(function)
    return wrapped
