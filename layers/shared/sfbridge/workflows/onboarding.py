"""Tasks of `statemachines/account_onboarding.asl.json`."""

from typing import Any

from sfbridge.domain.onboarding import onboarding_problems, plan_onboarding
from sfbridge.models.onboarding import AccountOnboardingRequest
from sfbridge.workflows.tasks import read_input, refuse_if


def plan_account_onboarding(state: dict[str, Any]) -> dict[str, Any]:
    """`ValidateOnboarding`: the customer number and opening credit limit for `$.plan`, or `WorkflowInputInvalid`."""
    request = read_input(AccountOnboardingRequest, state)
    refuse_if(onboarding_problems(request))
    return plan_onboarding(request).model_dump(mode="json", by_alias=True)
