"""POST /outbound-messages: Salesforce Outbound Messages in, Ack out once they are stored."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import logger, metrics
from sfbridge.outbound.endpoint import answer_outbound_message
from sfbridge.snapstart import register_snapshot_hooks

register_snapshot_hooks("sqs", "s3")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer_outbound_message(event)
