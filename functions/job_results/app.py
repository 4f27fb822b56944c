"""SQS consumer for ended job executions: each result is published to Salesforce once, as a Platform Event."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.callin.job_results import publish_job_results
from sfbridge.observability import logger, metrics


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return publish_job_results(event, context)
