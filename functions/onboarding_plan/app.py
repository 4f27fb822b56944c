"""account-onboarding state machine, `ValidateOnboarding`: billing rules, customer number, opening credit limit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.observability import logger
from sfbridge.workflows.onboarding import plan_account_onboarding


@logger.inject_lambda_context(correlation_id_path="requestId", clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return plan_account_onboarding(event)
