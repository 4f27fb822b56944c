"""The `account-onboarding` job: request, the plan its first step computes, and the job's output."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sfbridge.models.fields import AccountId, CalloutBody, ContactId, CountryCode, CurrencyIsoCode, Money


class PrimaryContact(CalloutBody):
    contact_id: ContactId
    first_name: Annotated[str, Field(max_length=40)] | None = None
    last_name: Annotated[str, Field(min_length=1, max_length=80)]
    email: Annotated[str, Field(max_length=80, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class AccountOnboardingRequest(CalloutBody):
    """What Apex sends when an Account becomes a customer (e.g. its first Opportunity is Closed Won)."""

    account_id: AccountId
    account_name: Annotated[str, Field(min_length=1, max_length=255)]
    billing_country: CountryCode
    currency_iso_code: CurrencyIsoCode
    annual_revenue: Annotated[Money, Field(ge=0)] | None = None
    vat_number: Annotated[str, Field(min_length=4, max_length=40)] | None = None
    primary_contact: PrimaryContact


class OnboardingPlan(BaseModel):
    """What `ValidateOnboarding` hands to the next states: the customer number and opening credit limit."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    account_id: str
    account_name: str
    customer_number: str
    billing_country: str
    currency_iso_code: str
    credit_limit: float
    credit_limit_text: str
    """The same limit as text: DynamoDB's `N` type is written from a string."""


class OnboardingResult(CalloutBody):
    """The job's output."""

    model_config = ConfigDict(extra="ignore")

    account_id: str
    customer_number: str
    credit_limit: float
    currency_iso_code: str
    onboarded_at: datetime
    request_id: str
