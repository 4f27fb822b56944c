"""The callout API refuses every bad request with the right problem before it touches AWS, and echoes the request id."""

import io
import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from sfbridge.adapters.event_queue import CalloutEventQueue
from sfbridge.callouts.events import accept_event
from sfbridge.callouts.registry import EventType
from sfbridge.callouts.workflow_io import execution_input
from sfbridge.exceptions import PayloadTooLarge
from sfbridge.models.callouts import QueuedCalloutEvent
from sfbridge.observability import logger
from tests.support import load_event
from tests.support_callouts import (
    CREDIT_CHECK,
    ORDER_PLACED,
    START_ONBOARDING,
    FakeContext,
    at_path,
    body_of,
    job_status_event,
    load_function,
    with_headers,
    with_json_body,
)

api = load_function("callout_api")


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """What the template gives the function; nothing here is reachable, and nothing here needs to be."""
    monkeypatch.setenv("EVENTS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/unreachable")
    monkeypatch.setenv(
        "OPERATIONS", json.dumps({"credit-check": "arn:aws:states:us-east-1:123456789012:stateMachine:cc"})
    )
    monkeypatch.setenv(
        "JOBS", json.dumps({"account-onboarding": "arn:aws:states:us-east-1:123456789012:stateMachine:ao"})
    )
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "unreachable")


def _call(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, list[str]]]:
    response = api.lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def _problem(event: dict[str, Any]) -> dict[str, Any]:
    status, body, headers = _call(event)
    assert headers["Content-Type"] == ["application/problem+json"]
    assert body["status"] == status
    return body


def test_malformed_json_is_400_saying_where_it_breaks():
    problem = _problem({**load_event(ORDER_PLACED), "body": '{"orderId": "8015g00000AbC12AAF",'})

    assert problem["type"] == "https://sfbridge.dev/problems/malformed-json"
    assert problem["detail"].endswith("at line 1 column 34")


def test_nan_is_not_json():
    problem = _problem({**load_event(CREDIT_CHECK), "body": '{"amount": NaN}'})

    assert problem["status"] == 400
    assert problem["type"].endswith("/malformed-json")


@pytest.mark.parametrize("content_type", ["text/xml; charset=UTF-8", "application/x-www-form-urlencoded", None])
def test_body_not_declared_as_json_is_415(content_type):
    problem = _problem(with_headers(load_event(ORDER_PLACED), Content_Type=content_type))

    assert problem["status"] == 415


def test_json_in_another_charset_is_415():
    problem = _problem(with_headers(load_event(ORDER_PLACED), Content_Type="application/json; charset=ISO-8859-1"))

    assert problem["status"] == 415
    assert "UTF-8" in problem["detail"]


def test_json_with_utf8_charset_or_a_json_suffix_type_is_accepted_as_json():
    for content_type in ("application/json; charset=UTF-8", "application/vnd.sfbridge+json"):
        event = with_json_body(with_headers(load_event(CREDIT_CHECK), Content_Type=content_type), {"amount": -1})

        assert _problem(event)["status"] == 400


@pytest.mark.parametrize(
    ("event", "problem_type"),
    [
        (at_path(load_event(ORDER_PLACED), "/events/order-shipped", type="order-shipped"), "unknown-event-type"),
        (at_path(load_event(CREDIT_CHECK), "/operations/credit-limit", name="credit-limit"), "unknown-operation"),
        (at_path(load_event(START_ONBOARDING), "/jobs/invoice-run", job="invoice-run"), "unknown-job"),
        (job_status_event("bm90LWEtam9i"), "job-not-found"),
    ],
    ids=["event type", "operation", "job", "job id"],
)
def test_unknown_names_are_404(event, problem_type):
    problem = _problem(event)

    assert problem["status"] == 404
    assert problem["type"] == f"https://sfbridge.dev/problems/{problem_type}"


def test_unknown_name_is_404_even_with_a_bad_body():
    event = at_path({**load_event(ORDER_PLACED), "body": "<xml/>"}, "/events/order-shipped", type="order-shipped")

    assert _problem(event)["status"] == 404


def test_invalid_body_is_400_listing_each_field_by_json_path():
    body = {**body_of(CREDIT_CHECK), "amount": 0, "currencyIsoCode": "euro"}
    del body["accountId"]

    problem = _problem(with_json_body(load_event(CREDIT_CHECK), body))

    assert problem["type"] == "https://sfbridge.dev/problems/validation-error"
    assert {error["path"] for error in problem["errors"]} == {"$.amount", "$.currencyIsoCode", "$.accountId"}
    assert problem["instance"] == "/operations/credit-check"


def test_body_over_the_lambda_payload_limit_is_413_naming_the_limit():
    event = with_json_body(load_event(ORDER_PLACED), {"poNumber": "x" * 6_300_000})

    problem = _problem(event)

    assert problem["status"] == 413
    assert "AWS Lambda" in problem["detail"]
    assert "6 MB" in problem["detail"]


def test_idempotency_key_that_is_not_printable_ascii_is_400():
    problem = _problem(with_headers(load_event(ORDER_PLACED), Idempotency_Key="order 123 \u00e9"))

    assert problem["type"].endswith("/invalid-idempotency-key")


@pytest.fixture
def log_lines():
    """What the function logs, one parsed JSON object per line."""
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.registered_handler.setStream(previous)


def test_request_id_is_echoed_on_success_and_failure_and_in_every_log_line(log_lines):
    status, problem, headers = _call(with_json_body(load_event(CREDIT_CHECK), {"amount": 1}))

    logged = log_lines()
    assert status == 400
    assert headers["X-Request-Id"] == ["0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03"]
    assert problem["requestId"] == "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03"
    assert logged
    assert {line["correlation_id"] for line in logged} == {"0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03"}


def test_missing_request_id_is_replaced_by_api_gateways():
    _, problem, headers = _call(with_headers(with_json_body(load_event(CREDIT_CHECK), {}), X_Request_Id=None))

    assert headers["X-Request-Id"] == ["4e1c2d5a-0b7f-4c1e-9a2b-7d3e5f600003"]
    assert problem["requestId"] == "4e1c2d5a-0b7f-4c1e-9a2b-7d3e5f600003"


def test_request_id_that_could_forge_log_lines_is_replaced():
    event = with_headers(with_json_body(load_event(CREDIT_CHECK), {}), X_Request_Id='x"\n{"level":"ERROR"}')

    _, _, headers = _call(event)

    assert headers["X-Request-Id"] == ["4e1c2d5a-0b7f-4c1e-9a2b-7d3e5f600003"]


def test_idempotency_key_is_never_logged(log_lines):
    _call(with_json_body(load_event(ORDER_PLACED), {}))

    assert log_lines()
    assert "order-00000123-activated" not in json.dumps(log_lines())


class _Anything(BaseModel):
    model_config = ConfigDict(extra="allow")


def test_execution_input_over_the_step_functions_limit_is_413_naming_the_limit():
    with pytest.raises(PayloadTooLarge, match="AWS Step Functions accepts at most 262144 bytes"):
        execution_input(_Anything.model_validate({"notes": "x" * 262_144}), "r-1")


def test_event_over_the_eventbridge_limit_is_413_and_never_enqueued():
    class _Unreachable(CalloutEventQueue):
        def enqueue(self, body: str, event: QueuedCalloutEvent) -> str:
            raise AssertionError("an oversize event must not be sent")

    payload = _Anything.model_validate({"notes": "x" * 263_000})

    with pytest.raises(PayloadTooLarge, match="Amazon EventBridge"):
        accept_event(
            EventType("order-placed", _Anything),
            payload,
            event_id="6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
            request_id="r-1",
            queue=_Unreachable(""),
        )
