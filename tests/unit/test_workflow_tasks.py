"""The sample workflows' Lambda tasks: each entry point reads its execution input, applies its rules, answers JSON."""

from decimal import Decimal

import pytest

from sfbridge.domain.onboarding import opening_credit_limit
from sfbridge.exceptions import WorkflowInputInvalid
from tests.support import load_event
from tests.support_callouts import FakeContext, load_function

validate = load_function("credit_check_validate").lambda_handler
assess = load_function("credit_check_assess").lambda_handler
plan = load_function("onboarding_plan").lambda_handler

VALIDATE_INPUT = load_event("tasks/credit-check-validate")
ASSESS_INPUT = load_event("tasks/credit-check-assess")
PLAN_INPUT = load_event("tasks/onboarding-plan")


def _with_input(state: dict, **changes: object) -> dict:
    return {**state, "input": {**state["input"], **changes}}


def test_validate_returns_the_normalised_request():
    request = validate(_with_input(VALIDATE_INPUT, accountId="0015g0000000500"), FakeContext())

    assert request == {
        "accountId": "0015g0000000500AAA",
        "opportunityId": "0065g0000001XyzAAE",
        "amount": 48000.0,
        "currencyIsoCode": "EUR",
    }


def test_validate_refuses_a_currency_credit_is_not_granted_in_under_the_name_the_asl_catches():
    with pytest.raises(WorkflowInputInvalid, match=r"^\$\.input\.currencyIsoCode: credit is not granted in JPY"):
        validate(_with_input(VALIDATE_INPUT, currencyIsoCode="JPY"), FakeContext())

    assert WorkflowInputInvalid.__name__ == "WorkflowInputInvalid"  # the Lambda errorType named in the ASL Catch


def test_validate_refuses_input_that_did_not_come_through_the_api_with_json_paths():
    with pytest.raises(WorkflowInputInvalid, match=r"\$\.input\.amount: Input should be greater than 0"):
        validate(_with_input(VALIDATE_INPUT, amount=-5), FakeContext())


def test_assess_computes_available_credit_and_the_referral_limit():
    assessment = assess(ASSESS_INPUT, FakeContext())

    assert assessment == {
        "hasCreditAccount": True,
        "onCreditHold": False,
        "currencyMatches": True,
        "creditLimit": 250000.0,
        "outstandingExposure": 120000.0,
        "availableCredit": 130000.0,
        "referralLimit": 155000.0,
    }


def test_assess_without_a_credit_record_says_so():
    assessment = assess({**ASSESS_INPUT, "exposure": {"SdkHttpMetadata": {"HttpStatusCode": 200}}}, FakeContext())

    assert assessment["hasCreditAccount"] is False
    assert assessment["availableCredit"] is None


def test_assess_never_offers_negative_available_credit():
    item = {**ASSESS_INPUT["exposure"]["Item"], "outstandingExposure": {"N": "260000"}}

    assessment = assess({**ASSESS_INPUT, "exposure": {"Item": item}}, FakeContext())

    assert assessment["availableCredit"] == 0.0
    assert assessment["referralLimit"] == 25000.0


def test_plan_gives_customer_number_and_opening_limit():
    planned = plan(PLAN_INPUT, FakeContext())

    assert planned["customerNumber"] == "C-0015g0000000777AAA"
    assert planned["creditLimit"] == 84000.0
    assert planned["creditLimitText"] == "84000"


def test_plan_refuses_a_country_without_billing_entity_and_a_missing_vat_number_together():
    state = _with_input(PLAN_INPUT, billingCountry="BR")
    state_ch = _with_input(PLAN_INPUT, vatNumber=None)

    with pytest.raises(WorkflowInputInvalid, match=r"\$\.input\.billingCountry: no billing entity in BR"):
        plan(state, FakeContext())
    with pytest.raises(WorkflowInputInvalid, match=r"\$\.input\.vatNumber: required for customers billed in CH"):
        plan(state_ch, FakeContext())


@pytest.mark.parametrize(
    ("revenue", "limit"),
    [(None, 5_000), ("1000000", 5_000), ("84500000", 84_000), ("84999999.99", 84_000), ("900000000", 250_000)],
)
def test_opening_credit_limit_is_a_share_of_revenue_within_bounds(revenue, limit):
    assert opening_credit_limit(None if revenue is None else Decimal(revenue)) == limit
