"""POST /events/{type} → SQS → event worker → EventBridge, on moto resources created from template.yaml."""

import json

import boto3
import pytest

from localrun.stack import LocalStack
from sfbridge.adapters.aws import client
from tests.support import TEMPLATE, UNAUTHENTICATED, load_event
from tests.support_callouts import CASE_ESCALATED, ORDER_PLACED, body_of, with_headers, with_json_body
from tests.support_faults import expire_in_progress_locks

API, WORKER = "CalloutApiFunction", "CalloutEventWorkerFunction"


@pytest.fixture
def stack(aws: None) -> LocalStack:
    return LocalStack.deploy(str(TEMPLATE), overrides=UNAUTHENTICATED)


def _post(stack: LocalStack, event: dict) -> tuple[int, dict, dict]:
    response = stack.invoke(API, event)
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def _queued(stack: LocalStack, logical_id: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_accepted_event_is_answered_202_and_published_once_to_the_bus(stack, bus_tap):
    status, body, headers = _post(stack, load_event(ORDER_PLACED))
    stack.drain()

    [published] = bus_tap.events()
    assert status == 202
    assert headers["X-Request-Id"] == ["0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e01"]
    assert published["source"] == "sfbridge.callout-event"
    assert published["detail-type"] == "order-placed"
    assert published["detail"]["id"] == body["id"]
    assert published["detail"]["type"] == "order-placed"
    assert published["detail"]["requestId"] == "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e01"
    assert published["detail"]["payload"] == body_of(ORDER_PLACED)


def test_each_event_type_keeps_its_own_detail_type(stack, bus_tap):
    _post(stack, load_event(ORDER_PLACED))
    _post(stack, load_event(CASE_ESCALATED))
    stack.drain()

    assert sorted(event["detail-type"] for event in bus_tap.events()) == ["case-escalated", "order-placed"]


def test_payload_reaches_the_bus_normalised(stack, bus_tap):
    body = {**body_of(CASE_ESCALATED), "accountId": "0015g0000000500"}
    _post(stack, with_json_body(load_event(CASE_ESCALATED), body))
    stack.drain()

    [published] = bus_tap.events()
    assert published["detail"]["payload"]["accountId"] == "0015g0000000500AAA"


def test_retry_with_the_same_key_and_body_gets_the_first_answer_and_publishes_nothing_more(stack, bus_tap):
    first = _post(stack, load_event(ORDER_PLACED))
    retry = _post(stack, with_headers(load_event(ORDER_PLACED), X_Request_Id="retry-of-order-00000123"))
    stack.drain()

    assert retry[:2] == first[:2]
    assert retry[2]["Idempotent-Replayed"] == ["true"]
    assert retry[2]["X-Request-Id"] == ["retry-of-order-00000123"]
    assert len(bus_tap.events()) == 1


def test_same_key_with_another_body_is_409_and_not_enqueued(stack):
    _post(stack, load_event(ORDER_PLACED))
    changed = {**body_of(ORDER_PLACED), "totalAmount": 99.0}

    status, problem, _ = _post(stack, with_json_body(load_event(ORDER_PLACED), changed))

    assert status == 409
    assert problem["type"] == "https://sfbridge.dev/problems/idempotency-key-reused"
    assert _queued(stack, "CalloutEventsQueue") == 1


def test_without_a_key_every_request_is_a_new_event(stack, bus_tap):
    event = with_headers(load_event(ORDER_PLACED), Idempotency_Key=None)
    first, second = _post(stack, event), _post(stack, event)
    stack.drain()

    assert first[1]["id"] != second[1]["id"]
    assert len(bus_tap.events()) == 2


def test_message_delivered_twice_by_sqs_is_published_once(stack, bus_tap):
    sqs_event = load_event("callout_event_worker/sqs-order-placed")

    stack.invoke(WORKER, sqs_event)
    again = stack.invoke(WORKER, sqs_event)

    assert again == {"batchItemFailures": []}
    [published] = bus_tap.events()
    assert published["detail"]["id"] == "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"


def test_record_the_worker_cannot_deliver_is_reported_alone_for_retry(stack, bus_tap):
    sqs_event = load_event("callout_event_worker/sqs-order-placed")
    good = sqs_event["Records"][0]
    retired = {**good, "messageId": "retired-1", "body": good["body"].replace('"order-placed"', '"order-cancelled"')}

    result = stack.invoke(WORKER, {"Records": [retired, good]})

    assert result == {"batchItemFailures": [{"itemIdentifier": "retired-1"}]}
    assert [event["detail-type"] for event in bus_tap.events()] == ["order-placed"]


def test_event_that_keeps_failing_ends_in_the_dead_letter_queue(stack):
    sqs = boto3.client("sqs")
    queue_url = stack.physical_id("CalloutEventsQueue")
    body = load_event("callout_event_worker/sqs-order-placed")["Records"][0]["body"].replace(
        "order-placed", "order-cancelled"
    )
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})

    stack.drain()

    assert _queued(stack, "CalloutEventsDeadLetterQueue") == 1


def test_retry_after_a_503_that_followed_the_enqueue_names_the_same_event_and_publishes_it_once(stack, bus_tap, faults):
    # SQS took the event, then DynamoDB refused to record the answer: the caller sees a 503 and retries.
    with faults.only(client("dynamodb"), "UpdateItem", "fails"):
        status, problem, _ = _post(stack, load_event(ORDER_PLACED))
    expire_in_progress_locks(boto3.client("dynamodb"), stack.physical_id("IdempotencyTable"))

    retry_status, accepted, _ = _post(stack, load_event(ORDER_PLACED))
    enqueued = _queued(stack, "CalloutEventsQueue")
    stack.drain()

    assert (status, problem["type"]) == (503, "https://sfbridge.dev/problems/idempotency-unavailable")
    assert retry_status == 202
    assert enqueued == 2
    [published] = bus_tap.events()
    assert published["detail"]["id"] == accepted["id"]


def test_send_that_timed_out_after_sqs_stored_it_is_one_event_under_the_id_of_the_retry(stack, bus_tap, faults):
    with faults.only(client("sqs"), "SendMessage", "times-out-after-effect") as fault:
        status, problem, _ = _post(stack, load_event(ORDER_PLACED))

    retry_status, accepted, _ = _post(stack, load_event(ORDER_PLACED))
    enqueued = _queued(stack, "CalloutEventsQueue")
    stack.drain()

    assert (status, problem["type"]) == (503, "https://sfbridge.dev/problems/service-unavailable")
    assert retry_status == 202
    assert enqueued == fault.attempts + 1  # every attempt of the SDK, then the retry: all stored
    [published] = bus_tap.events()
    assert published["detail"]["id"] == accepted["id"]


def test_same_key_from_another_caller_is_another_event(stack, bus_tap):
    other = load_event(ORDER_PLACED)
    other["requestContext"]["identity"]["userArn"] = "arn:aws:iam::123456789012:user/another-org-integration"

    first, second = _post(stack, load_event(ORDER_PLACED)), _post(stack, other)
    stack.drain()

    assert first[1]["id"] != second[1]["id"]
    assert "Idempotent-Replayed" not in second[2]
    assert len(bus_tap.events()) == 2
