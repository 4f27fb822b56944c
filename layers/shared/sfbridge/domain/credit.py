"""Credit rules of the `credit-check` operation. The decision itself is the state machine's `Decide` Choice state."""

from decimal import Decimal
from typing import Final

from sfbridge.models.credit_check import Assessment, CreditAccount, CreditCheckRequest

CREDIT_CURRENCIES: Final = frozenset({"EUR", "USD", "GBP", "CHF"})
"""Currencies credit is granted in; a request in any other currency is refused (ValidationError)."""

REFERRAL_TOLERANCE: Final = Decimal("0.10")
"""Requests up to 10 % of the credit limit beyond the available credit go to a credit controller, not to a No."""


def credit_request_problems(request: CreditCheckRequest) -> list[str]:
    """Business rules the request schema cannot express, as `$.input.<field>: what is wrong` lines."""
    if request.currency_iso_code not in CREDIT_CURRENCIES:
        allowed = ", ".join(sorted(CREDIT_CURRENCIES))
        return [f"$.input.currencyIsoCode: credit is not granted in {request.currency_iso_code} (only {allowed})"]
    return []


def assess(request: CreditCheckRequest, account: CreditAccount | None) -> Assessment:
    """Numbers for the Choice state: what is still available, and how far beyond it a referral may go."""
    if account is None:
        return Assessment(
            has_credit_account=False,
            on_credit_hold=False,
            currency_matches=False,
            credit_limit=None,
            outstanding_exposure=None,
            available_credit=None,
            referral_limit=None,
        )
    available = max(account.credit_limit - account.outstanding_exposure, Decimal(0))
    return Assessment(
        has_credit_account=True,
        on_credit_hold=account.on_credit_hold,
        currency_matches=account.currency_iso_code == request.currency_iso_code,
        credit_limit=float(account.credit_limit),
        outstanding_exposure=float(account.outstanding_exposure),
        available_credit=float(available),
        referral_limit=float(available + account.credit_limit * REFERRAL_TOLERANCE),
    )
