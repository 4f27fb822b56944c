"""Idempotency-Key: Powertools' outcomes become the API's own errors; a request without a key just runs."""

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from sfbridge.callouts.idempotency import IdempotentCalls
from sfbridge.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, IdempotencyStoreUnavailable
from sfbridge.models.callouts import CalloutAnswer
from tests.support_callouts import FakeContext

ANSWER = CalloutAnswer(status=202, body={"id": "e-1"})


@pytest.fixture
def calls():
    return IdempotentCalls(table_name="sfbridge-IdempotencyTable", ttl_seconds=172_800, context=FakeContext())


def test_request_without_a_key_runs_without_the_store(calls, monkeypatch):
    monkeypatch.setattr(calls, "_answer_once", None)

    assert calls.answer(scope="POST /events/order-placed", key=None, body={}, call=lambda: ANSWER) == ANSWER


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (IdempotencyValidationError, IdempotencyKeyReused),
        (IdempotencyAlreadyInProgressError, IdempotencyKeyInUse),
        (IdempotencyPersistenceLayerError, IdempotencyStoreUnavailable),
    ],
)
def test_powertools_outcomes_become_the_apis_errors(calls, monkeypatch, raised, expected):
    def refuse(**_: object) -> None:
        raise raised("refused")

    monkeypatch.setattr(calls, "_answer_once", refuse)

    with pytest.raises(expected):
        calls.answer(scope="POST /events/order-placed", key="k-1", body={}, call=lambda: ANSWER)
