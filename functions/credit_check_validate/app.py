"""credit-check state machine, `ValidateRequest`: the request re-checked against its model and credit rules."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import logger
from sfbridge.workflows.credit_check import validate_credit_request


@logger.inject_lambda_context(correlation_id_path="requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return validate_credit_request(event)
