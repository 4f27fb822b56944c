"""POST /outbound-messages: Salesforce Outbound Messages in, Ack out once they are stored."""

from typing import Any

from sfbridge.outbound.endpoint import answer_outbound_message
from sfbridge.receiver_observability import LambdaContext, logger, metrics
from sfbridge.snapstart import register_snapshot_hooks

register_snapshot_hooks("sqs", "s3")


@metrics.log_metrics
@logger.inject_lambda_context  # never logs the event: it holds the endpoint token and the body
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer_outbound_message(event)
