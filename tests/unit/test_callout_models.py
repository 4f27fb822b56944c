"""Callout body models: what Apex sends is read into typed, normalised values; mistakes are named by JSON path."""

from decimal import Decimal

import pytest

from sfbridge.callouts.catalog import catalog
from sfbridge.exceptions import RequestInvalid
from sfbridge.models.callout_events import CaseEscalated, OrderPlaced
from sfbridge.models.credit_check import CreditAccount, CreditCheckRequest
from sfbridge.models.onboarding import AccountOnboardingRequest
from sfbridge.models.validation import json_path, validate_body
from tests.support_callouts import (
    CASE_ESCALATED,
    CREDIT_CHECK,
    ORDER_PLACED,
    START_ONBOARDING,
    body_of,
    credit_exposure_items,
)


def _errors(model: type, body: object) -> dict[str, str]:
    with pytest.raises(RequestInvalid) as refused:
        validate_body(model, body)
    return dict(refused.value.errors)


def test_order_placed_sample_is_read_into_typed_values():
    order = validate_body(OrderPlaced, body_of(ORDER_PLACED))

    assert order.order_id == "8015g00000AbC12AAF"
    assert order.total_amount == Decimal("12450")
    assert order.items[1].product_code == "SVC-ONBOARD"
    assert order.shipping_address is not None
    assert order.shipping_address.city == "Zürich"


def test_every_sample_body_matches_the_model_its_route_declares():
    assert validate_body(catalog.event_type("case-escalated").model, body_of(CASE_ESCALATED))
    assert validate_body(catalog.operation_named("credit-check").input_model, body_of(CREDIT_CHECK))
    assert validate_body(catalog.job_named("account-onboarding").input_model, body_of(START_ONBOARDING))


def test_15_character_record_id_becomes_its_18_character_form():
    body = {**body_of(CREDIT_CHECK), "accountId": "0015g0000000500"}

    assert validate_body(CreditCheckRequest, body).account_id == "0015g0000000500AAA"


def test_record_id_of_another_object_is_refused_at_its_path():
    body = {**body_of(CREDIT_CHECK), "accountId": "0065g0000001XyzAAE"}

    assert _errors(CreditCheckRequest, body) == {
        "$.accountId": "Value error, expected a record ID starting with 001, got 006"
    }


def test_record_id_with_a_wrong_checksum_is_refused():
    body = {**body_of(CREDIT_CHECK), "accountId": "0015g0000000500AAB"}

    assert "checksum" in _errors(CreditCheckRequest, body)["$.accountId"]


def test_every_failing_field_is_reported_with_its_json_path():
    order = body_of(ORDER_PLACED)
    order["items"][1]["quantity"] = 0
    order["items"][0]["unitPrice"] = 9.999
    del order["accountId"]

    errors = _errors(OrderPlaced, order)

    assert set(errors) == {"$.items[1].quantity", "$.items[0].unitPrice", "$.accountId"}
    assert errors["$.accountId"] == "Field required"
    assert errors["$.items[0].unitPrice"] == "Decimal input should have no more than 2 decimal places"


def test_misspelt_field_is_refused_rather_than_ignored():
    body = {**body_of(CREDIT_CHECK), "acountId": "0015g0000000500AAA"}

    assert _errors(CreditCheckRequest, body)["$.acountId"] == "Extra inputs are not permitted"


def test_body_that_is_not_an_object_is_refused_at_the_root():
    assert list(_errors(CaseEscalated, [1, 2])) == ["$"]


def test_missing_vat_number_is_allowed_by_the_schema_and_left_to_the_workflow():
    body = {**body_of(START_ONBOARDING), "vatNumber": None}

    assert validate_body(AccountOnboardingRequest, body).vat_number is None


@pytest.mark.parametrize(
    ("location", "path"),
    [
        ((), "$"),
        (("items", 0, "unitPrice"), "$.items[0].unitPrice"),
        (("a b",), "$['a b']"),
        (("it's",), "$['it\\'s']"),
    ],
)
def test_json_path_of_a_location(location, path):
    assert json_path(location) == path


def test_credit_account_is_read_from_dynamodb_attribute_values():
    account = CreditAccount.model_validate(credit_exposure_items()[0])

    assert account.account_id == "0015g0000000500AAA"
    assert account.credit_limit == Decimal(250000)
    assert account.outstanding_exposure == Decimal(120000)
    assert account.on_credit_hold is False
