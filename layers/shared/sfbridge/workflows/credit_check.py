"""Tasks of `statemachines/credit_check.asl.json`."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sfbridge.domain.credit import assess, credit_request_problems
from sfbridge.models.credit_check import CreditAccount, CreditCheckRequest
from sfbridge.observability import logger
from sfbridge.workflows.tasks import read_input, refuse_if


class _ExposureLookup(BaseModel):
    """The DynamoDB `getItem` task's result: `Item` is absent when the account has no credit record."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    item: CreditAccount | None = Field(default=None, alias="Item")


class _AssessInput(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    request: CreditCheckRequest
    exposure: _ExposureLookup


def validate_credit_request(state: dict[str, Any]) -> dict[str, Any]:
    """`ValidateRequest`: the normalised request for `$.request`, or `WorkflowInputInvalid`."""
    request = read_input(CreditCheckRequest, state)
    refuse_if(credit_request_problems(request))
    return request.model_dump(mode="json", by_alias=True)


def assess_credit_exposure(state: dict[str, Any]) -> dict[str, Any]:
    """`AssessExposure`: available credit and referral limit for `$.assessment`."""
    task = _AssessInput.model_validate(state)
    assessment = assess(task.request, task.exposure.item)
    logger.info("credit assessed", account_id=task.request.account_id, has_account=assessment.has_credit_account)
    return assessment.model_dump(mode="json", by_alias=True)
