"""SQS consumer for stored Outbound Messages: dedupe, drop stale versions, route each notification."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import logger, metrics
from sfbridge.outbound.process import process_outbound_batch


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_outbound_batch(event, context)
