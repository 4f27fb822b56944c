"""`POST /events/{type}`: a 202 means the event reaches the bus; failed events are recorded for the operator."""

import json

import boto3
import pytest

from localrun.stack import LocalStack
from tests.support import TEMPLATE, UNAUTHENTICATED, load_event
from tests.support_callouts import ORDER_PLACED, body_of, with_headers, with_json_body

API, WORKER = "CalloutApiFunction", "CalloutEventWorkerFunction"
PRODUCT_CODE = ("製品コード" * 51)[:255]  # the longest code the model allows, 3 bytes a character in UTF-8


@pytest.fixture
def stack(aws: None) -> LocalStack:
    return LocalStack.deploy(str(TEMPLATE), UNAUTHENTICATED)


def _order_with(lines: int) -> dict:
    line = {**body_of(ORDER_PLACED)["items"][0], "productCode": PRODUCT_CODE}
    items = [line] * lines
    event = with_json_body(load_event(ORDER_PLACED), {**body_of(ORDER_PLACED), "items": items})
    return with_headers(event, Idempotency_Key=None)


def _queued(stack: LocalStack) -> int:
    url = stack.physical_id("CalloutEventsQueue")
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_event_that_fits_in_utf8_is_accepted_and_reaches_the_bus(stack, bus_tap):
    """About 215 KB as UTF-8; escaped to \\uXXXX (as the bus used to send it) it would be about 400 KB."""
    response = stack.invoke(API, _order_with(250))
    stack.drain()

    [published] = bus_tap.events()
    assert response["statusCode"] == 202
    assert published["detail"]["id"] == json.loads(response["body"])["id"]
    assert published["detail"]["payload"]["items"][249]["productCode"] == PRODUCT_CODE


def test_event_over_the_bus_quota_is_refused_with_413_and_not_enqueued(stack):
    response = stack.invoke(API, _order_with(320))

    assert response["statusCode"] == 413
    assert "Amazon EventBridge accepts entries of at most 262144 bytes" in json.loads(response["body"])["detail"]
    assert _queued(stack) == 0


def test_event_the_worker_cannot_deliver_is_recorded_with_its_id_and_reason(stack):
    record = load_event("callout_event_worker/sqs-order-placed")["Records"][0]
    retired = {
        **record,
        "messageId": "retired-2",
        "body": record["body"].replace('"order-placed"', '"order-cancelled"'),
    }

    result = stack.invoke(WORKER, {"Records": [retired, record]})

    table = stack.physical_id("DeliveryFailureTable")
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "events#retired-2"}})["Item"]
    assert result == {"batchItemFailures": [{"itemIdentifier": "retired-2"}]}
    assert item["queue"] == {"S": "events"}
    assert item["failures"]["L"][0]["M"]["item_id"] == {"S": "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"}
    assert "order-cancelled" in item["reason"]["S"]
    assert item["receive_count"] == {"N": "1"}
