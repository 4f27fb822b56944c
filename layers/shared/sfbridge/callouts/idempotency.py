"""`Idempotency-Key`: a retried POST gets the first answer and causes no second side effect.

Answers are kept in the `IdempotencyTable` (Powertools idempotency) under the route, the name and the key; the
body's hash is kept beside them, so the same key with a different body is refused (409) instead of replayed.
Failed requests are not remembered: a retry after a 4xx or 5xx runs again.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.aws import client
from sfbridge.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, IdempotencyStoreUnavailable
from sfbridge.models.callouts import CalloutAnswer
from sfbridge.observability import logger, metrics

Call = Callable[[], CalloutAnswer]


class IdempotentCalls:
    def __init__(self, *, table_name: str, ttl_seconds: int, context: LambdaContext) -> None:
        config = IdempotencyConfig(
            event_key_jmespath="[scope, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=ttl_seconds,
            response_hook=_mark_replayed,
        )
        config.register_lambda_context(context)
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))
        self._answer_once = idempotent_function(
            data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="callouts"
        )(_answer)

    def answer(self, *, scope: str, key: str | None, body: Any, call: Call) -> CalloutAnswer:
        """`call()`'s answer, or the one remembered for `key` in `scope` (e.g. `POST /events/order-placed`)."""
        if key is None:
            return call()
        try:
            remembered = self._answer_once(request={"scope": scope, "key": key, "body": body}, call=call)
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReused(f"this Idempotency-Key was used for {scope} with another body") from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyKeyInUse("a request with this Idempotency-Key is still in progress; retry later") from exc
        except IdempotencyPersistenceLayerError as exc:
            raise IdempotencyStoreUnavailable("the idempotency table could not be used") from exc
        return CalloutAnswer.model_validate(remembered)


def _answer(request: dict[str, Any], call: Call) -> dict[str, Any]:
    return call().model_dump(mode="json")


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    metrics.add_metric(name="IdempotentReplays", unit=MetricUnit.Count, value=1)
    logger.info("answer replayed for a repeated Idempotency-Key", status=idempotent_data.status)
    return {**response, "replayed": True}
