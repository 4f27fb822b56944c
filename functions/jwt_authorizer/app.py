"""Lambda TOKEN authorizer for the callout routes (CalloutAuth=JWT): checks the JWT a Named Credential mints."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.auth.authorizer import authorize_callout
from sfbridge.observability import logger, metrics


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)  # the event holds the bearer token: never log it
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize_callout(event)
