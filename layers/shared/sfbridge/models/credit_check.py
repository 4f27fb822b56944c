"""The `credit-check` operation: request, the exposure record it reads, the assessment, the decision."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from sfbridge.models.fields import AccountId, CalloutBody, CurrencyIsoCode, Money, OpportunityId

Decision = Literal["APPROVED", "REFERRED", "DECLINED"]


class CreditCheckRequest(CalloutBody):
    """What Apex sends, e.g. before an Opportunity moves to Closed Won or a Quote is approved."""

    account_id: AccountId
    opportunity_id: OpportunityId | None = None
    amount: Annotated[Money, Field(gt=0)]
    currency_iso_code: CurrencyIsoCode


class CreditAccount(BaseModel):
    """An item of the credit exposure table, read from DynamoDB's attribute-value form (`{"N": "1000"}`)."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    account_id: str
    credit_limit: Decimal
    outstanding_exposure: Decimal
    currency_iso_code: str
    on_credit_hold: bool = False

    @model_validator(mode="before")
    @classmethod
    def _unwrap_attribute_values(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {name: _attribute_value(value) for name, value in data.items()}


def _attribute_value(value: Any) -> Any:
    """`{"S": "x"}` -> "x", `{"N": "1.5"}` -> "1.5", `{"BOOL": true}` -> True; plain values pass through."""
    if isinstance(value, dict) and len(value) == 1:
        kind, inner = next(iter(value.items()))
        if kind in ("S", "N", "BOOL"):
            return inner
        if kind == "NULL":
            return None
    return value


class ExposureLookup(BaseModel):
    """The result of the `LookupExposure` DynamoDB `getItem` task: no `Item` when the account has no credit record."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    item: CreditAccount | None = Field(default=None, alias="Item")


class AssessExposureInput(BaseModel):
    """What `AssessExposure` receives: the state after `ValidateRequest` and `LookupExposure`."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    request: CreditCheckRequest
    exposure: ExposureLookup


class Assessment(BaseModel):
    """What the `Decide` Choice state branches on. Numbers are JSON numbers so that Choice rules can compare them."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    has_credit_account: bool
    on_credit_hold: bool
    currency_matches: bool
    credit_limit: float | None
    outstanding_exposure: float | None
    available_credit: float | None
    referral_limit: float | None


class CreditDecision(CalloutBody):
    """The operation's answer (the state machine's output)."""

    model_config = ConfigDict(extra="ignore")

    decision: Decision
    reason: str
    account_id: str
    amount: Money
    currency_iso_code: str
    available_credit: float | None = None
    request_id: str
