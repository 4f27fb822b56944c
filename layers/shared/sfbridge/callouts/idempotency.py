"""`Idempotency-Key`: a retried POST gets the first answer and causes no second side effect.

Answers are kept in the `IdempotencyTable` (Powertools idempotency) under the route, the name and the key; the
body's hash is kept beside them, so the same key with a different body is refused (409) instead of replayed.
Failed requests are not remembered: a retry after a 4xx or 5xx runs again.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.idempotency import run_once
from sfbridge.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, IdempotencyStoreUnavailable
from sfbridge.models.callouts import CalloutAnswer
from sfbridge.observability import logger, metrics

Call = Callable[[], CalloutAnswer]


class IdempotentCalls:
    def __init__(self, *, table_name: str, ttl_seconds: int, context: LambdaContext) -> None:
        self._answer_once = run_once(
            _answer,
            table_name=table_name,
            ttl_seconds=ttl_seconds,
            context=context,
            key_prefix="callouts",
            data_keyword_argument="request",
            on_repeat=_mark_replayed,
            event_key_jmespath="[scope, key]",
            payload_validation_jmespath="body",
        )

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
