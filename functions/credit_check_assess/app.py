"""credit-check state machine, `AssessExposure`: available credit and referral limit for the Decide state."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import logger
from sfbridge.workflows.credit_check import assess_credit_exposure


@logger.inject_lambda_context(correlation_id_path="requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return assess_credit_exposure(event)
