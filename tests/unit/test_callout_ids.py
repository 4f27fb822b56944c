"""Event ids and job execution names: a retry with the same Idempotency-Key names the same thing; callers differ."""

import uuid

import pytest

from sfbridge.callouts.requests import caller_of
from sfbridge.domain.event_ids import callout_event_id, job_execution_name
from tests.support import load_event
from tests.support_callouts import ORDER_PLACED

USER = "iam:arn:aws:iam::123456789012:user/salesforce-integration"


def test_same_caller_type_and_key_always_give_the_same_event_id():
    first = callout_event_id(caller=USER, event_type="order-placed", idempotency_key="order-00000123-activated")
    again = callout_event_id(caller=USER, event_type="order-placed", idempotency_key="order-00000123-activated")

    assert first == again
    assert uuid.UUID(first).version == 5


@pytest.mark.parametrize(
    "changed",
    [
        {"caller": "iam:arn:aws:iam::123456789012:user/another-org"},
        {"event_type": "case-escalated"},
        {"idempotency_key": "order-00000123-activated-2"},
    ],
)
def test_another_caller_type_or_key_gives_another_event_id(changed):
    base = {"caller": USER, "event_type": "order-placed", "idempotency_key": "order-00000123-activated"}

    assert callout_event_id(**{**base, **changed}) != callout_event_id(**base)


def test_parts_cannot_be_shifted_into_one_another():
    assert callout_event_id(caller="a b", event_type="c", idempotency_key="d") != callout_event_id(
        caller="a", event_type="b c", idempotency_key="d"
    )


def test_without_a_key_every_event_id_is_new():
    ids = {callout_event_id(caller=USER, event_type="order-placed", idempotency_key=None) for _ in range(3)}

    assert len(ids) == 3


def test_job_execution_name_is_derived_apart_from_event_ids_and_fits_step_functions():
    name = job_execution_name(caller=USER, job_name="account-onboarding", idempotency_key="onboard-1")

    assert name == job_execution_name(caller=USER, job_name="account-onboarding", idempotency_key="onboard-1")
    assert len(name) == 32
    assert (
        name
        != uuid.UUID(callout_event_id(caller=USER, event_type="account-onboarding", idempotency_key="onboard-1")).hex
    )
    assert job_execution_name(caller=USER, job_name="account-onboarding", idempotency_key=None) != name


def _with_context(**context: object) -> dict:
    event = load_event(ORDER_PLACED)
    event["requestContext"] = {**event["requestContext"], **context}
    return event


def test_caller_is_the_signing_iam_user():
    assert caller_of(load_event(ORDER_PLACED)) == USER


def test_assumed_role_caller_keeps_the_role_and_drops_the_session_name():
    identity = {"userArn": "arn:aws:sts::123456789012:assumed-role/SalesforceIntegrationRole/sf-1764650000"}
    other_session = {"userArn": "arn:aws:sts::123456789012:assumed-role/SalesforceIntegrationRole/sf-1764653600"}

    caller = caller_of(_with_context(identity=identity))

    assert caller == "iam:arn:aws:sts::123456789012:assumed-role/SalesforceIntegrationRole"
    assert caller_of(_with_context(identity=other_session)) == caller


def test_authorizer_principal_comes_before_the_identity():
    event = _with_context(authorizer={"principalId": "005Kb000001AbCdIAK"})

    assert caller_of(event) == "principal:005Kb000001AbCdIAK"


def test_api_key_caller_is_the_key_id_never_the_key():
    event = _with_context(identity={"apiKeyId": "k3y1d0001", "apiKey": "secret-value-never-used"})

    assert caller_of(event) == "api-key:k3y1d0001"


def test_unauthenticated_requests_share_one_caller():
    assert caller_of(_with_context(identity={})) == caller_of({}) == "anonymous"
