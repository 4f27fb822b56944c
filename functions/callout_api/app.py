"""POST /events/{type}, POST /operations/{name}, POST /jobs/{name}, GET /jobs/{id}: the Apex callout API."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.callouts.api import handle_callout
from sfbridge.observability import logger, metrics
from sfbridge.snapstart import register_snapshot_hooks

register_snapshot_hooks("sqs", "dynamodb", "stepfunctions")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_callout(event, context)
