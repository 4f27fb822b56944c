"""What every SQS worker shares: partial batch responses, so only failed records come back."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import metrics


def process_sqs_batch(
    event: dict[str, Any], context: LambdaContext, record_handler: Callable[[SQSRecord], None], *, failure_metric: str
) -> dict[str, Any]:
    """Run `record_handler` on each record; report the failed ones (counted in `failure_metric`) to SQS."""
    result = process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(EventType.SQS), context=context
    )
    failures = len(result.get("batchItemFailures", []))
    if failures:
        metrics.add_metric(name=failure_metric, unit=MetricUnit.Count, value=failures)
    return dict(result)
