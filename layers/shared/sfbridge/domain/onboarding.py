"""Rules of the `account-onboarding` job: where we can bill, and the credit a new customer opens with."""

from decimal import ROUND_DOWN, Decimal
from typing import Final

from sfbridge.models.onboarding import AccountOnboardingRequest, OnboardingPlan

BILLING_COUNTRIES: Final = frozenset({"AT", "AU", "BE", "CA", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "NL", "US"})
"""Countries with a billing entity; customers elsewhere are onboarded by hand."""

VAT_COUNTRIES: Final = frozenset({"AT", "BE", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "NL"})
"""Countries whose invoices must carry the customer's VAT number."""

OPENING_LIMIT_SHARE: Final = Decimal("0.001")
OPENING_LIMIT_MIN: Final = Decimal(5_000)
OPENING_LIMIT_MAX: Final = Decimal(250_000)


def onboarding_problems(request: AccountOnboardingRequest) -> list[str]:
    """Business rules the request schema cannot express, as `$.input.<field>: what is wrong` lines."""
    problems = []
    if request.billing_country not in BILLING_COUNTRIES:
        problems.append(f"$.input.billingCountry: no billing entity in {request.billing_country}")
    if request.billing_country in VAT_COUNTRIES and not request.vat_number:
        problems.append(f"$.input.vatNumber: required for customers billed in {request.billing_country}")
    return problems


def opening_credit_limit(annual_revenue: Decimal | None) -> Decimal:
    """0.1 % of annual revenue, rounded down to a thousand, between 5,000 and 250,000."""
    share = (annual_revenue or Decimal(0)) * OPENING_LIMIT_SHARE
    rounded = (share / 1000).quantize(Decimal(1), rounding=ROUND_DOWN) * 1000
    return min(max(rounded, OPENING_LIMIT_MIN), OPENING_LIMIT_MAX)


def plan_onboarding(request: AccountOnboardingRequest) -> OnboardingPlan:
    limit = opening_credit_limit(request.annual_revenue)
    return OnboardingPlan(
        account_id=request.account_id,
        account_name=request.account_name,
        customer_number=f"C-{request.account_id}",
        billing_country=request.billing_country,
        currency_iso_code=request.currency_iso_code,
        credit_limit=float(limit),
        credit_limit_text=str(limit),
    )
