"""SQS consumer for accepted callout events: each reaches its handler once (by default, the EventBridge bus)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.callouts.event_worker import process_callout_events
from sfbridge.observability import logger, metrics


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_callout_events(event, context)
