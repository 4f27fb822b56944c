"""Tasks of `statemachines/credit_check.asl.json`."""

from typing import Any

from sfbridge.domain.credit import assess, credit_request_problems
from sfbridge.models.credit_check import AssessExposureInput, CreditCheckRequest
from sfbridge.observability import logger
from sfbridge.workflows.tasks import read_input, refuse_if


def validate_credit_request(state: dict[str, Any]) -> dict[str, Any]:
    """`ValidateRequest`: the normalised request for `$.request`, or `WorkflowInputInvalid`."""
    request = read_input(CreditCheckRequest, state)
    refuse_if(credit_request_problems(request))
    return request.model_dump(mode="json", by_alias=True)


def assess_credit_exposure(state: dict[str, Any]) -> dict[str, Any]:
    """`AssessExposure`: available credit and referral limit for `$.assessment`."""
    task = AssessExposureInput.model_validate(state)
    assessment = assess(task.request, task.exposure.item)
    logger.info("credit assessed", account_id=task.request.account_id, has_account=assessment.has_credit_account)
    return assessment.model_dump(mode="json", by_alias=True)
