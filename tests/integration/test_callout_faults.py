"""Fault injection on the callout API and the event worker: every AWS call refused, throttled, or timed out after it
took effect, at the botocore layer (tests/support_faults.py), on moto resources created from template.yaml.

The invariants, for each fault:
- no 202 without a durable write: an accepted event is in the queue before the answer;
- after the caller's retries (same Idempotency-Key) and the queue's redeliveries, every accepted event is published
  under one id, or is in the dead-letter queue;
- nothing is published twice, except in the documented window between an effect (PutEvents) and its completion
  record, where the duplicates carry the same event id (the consumer's dedupe key).
"""

import json
from typing import Any

import boto3
import pytest

from localrun.stack import LocalStack
from sfbridge.adapters import workflows
from sfbridge.adapters.aws import client
from sfbridge.adapters.workflows import stepfunctions_client
from tests.integration.conftest import BusTap
from tests.support import TEMPLATE, UNAUTHENTICATED, load_event
from tests.support_callouts import CREDIT_CHECK, ORDER_PLACED, START_ONBOARDING, credit_exposure_items, job_status_event
from tests.support_faults import KINDS, Kind, expire_in_progress_locks

API, WORKER = "CalloutApiFunction", "CalloutEventWorkerFunction"

API_CALLS = [("dynamodb", "PutItem"), ("dynamodb", "UpdateItem"), ("sqs", "SendMessage")]
"""What `POST /events/{type}` calls: the idempotency lock, SendMessage, the remembered answer."""
WORKER_CALLS = [("dynamodb", "PutItem"), ("dynamodb", "UpdateItem"), ("events", "PutEvents")]
"""What the event worker calls: its dedupe lock, PutEvents, the completion record."""
DOCUMENTED_WINDOW = {("UpdateItem", "fails"), ("UpdateItem", "throttled"), ("PutEvents", "times-out-after-effect")}
"""The effect happened and its completion record did not: the next delivery publishes again, under the same id."""
SDK_ATTEMPTS = 3
"""`sfbridge.adapters.aws`: standard retry mode, three attempts per call."""


@pytest.fixture
def stack(aws: None) -> LocalStack:
    return LocalStack.deploy(
        str(TEMPLATE), overrides=UNAUTHENTICATED, extra_environment={"SYNC_EXECUTION_EMULATION": "off"}
    )


def _post(stack: LocalStack, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, list[str]]]:
    response = stack.invoke(API, event)
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def _count(stack: LocalStack, logical_id: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _end_locks(stack: LocalStack) -> None:
    expire_in_progress_locks(boto3.client("dynamodb"), stack.physical_id("IdempotencyTable"))


def _deliver_all(stack: LocalStack) -> None:
    """The queue's redeliveries: each round comes after the visibility timeout, so after any lock's expiry."""
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=stack.physical_id("CalloutEventsQueue"), Attributes={"VisibilityTimeout": "0"}
    )
    for _ in range(10):
        if not stack.poll_once():
            return
        _end_locks(stack)


def _accept_with_retries(stack: LocalStack) -> tuple[int, str]:
    """What the Apex client does: retry a 5xx (or a 409 in progress) with the same key until it gets a 202."""
    for _ in range(3):
        status, body, _ = _post(stack, load_event(ORDER_PLACED))
        if status == 202:
            return status, str(body["id"])
        _end_locks(stack)
    raise AssertionError(f"never accepted: {status} {body}")


def _published_ids(bus_tap: BusTap) -> list[str]:
    return [event["detail"]["id"] for event in bus_tap.events()]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("service", "operation"), API_CALLS, ids=[op for _, op in API_CALLS])
def test_event_route_fault_never_gives_a_202_without_the_event_and_retries_publish_it_once(
    stack, bus_tap, faults, service: str, operation: str, kind: Kind
):
    with faults.only(client(service), operation, kind):
        status, body, headers = _post(stack, load_event(ORDER_PLACED))
        enqueued_by_then = _count(stack, "CalloutEventsQueue")

    if status == 202:
        assert enqueued_by_then >= 1
    else:
        assert status in (409, 503)
        assert headers["Content-Type"] == ["application/problem+json"]
    _end_locks(stack)
    retry_status, event_id = _accept_with_retries(stack)
    _deliver_all(stack)

    assert retry_status == 202
    if status == 202:
        assert event_id == body["id"]
    assert _published_ids(bus_tap) == [event_id]
    assert _count(stack, "CalloutEventsDeadLetterQueue") == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("service", "operation"), WORKER_CALLS, ids=[op for _, op in WORKER_CALLS])
def test_worker_fault_during_one_delivery_still_publishes_the_event_under_its_id(
    stack, bus_tap, faults, service: str, operation: str, kind: Kind
):
    _, event_id = _accept_with_retries(stack)

    faults.inject(client(service), operation, kind, times=SDK_ATTEMPTS)  # every attempt of the first delivery
    _deliver_all(stack)

    published = _published_ids(bus_tap)
    assert set(published) == {event_id}
    if (operation, kind) not in DOCUMENTED_WINDOW:
        assert len(published) == 1
    assert _count(stack, "CalloutEventsDeadLetterQueue") == 0


@pytest.mark.parametrize("kind", ["fails", "throttled"])
def test_event_the_bus_keeps_refusing_ends_in_the_dead_letter_queue_unpublished(stack, bus_tap, faults, kind: Kind):
    _, event_id = _accept_with_retries(stack)

    faults.inject(client("events"), "PutEvents", kind)
    _deliver_all(stack)

    dead = boto3.client("sqs").receive_message(QueueUrl=stack.physical_id("CalloutEventsDeadLetterQueue"))
    [message] = dead["Messages"]
    assert json.loads(message["Body"])["id"] == event_id
    assert _published_ids(bus_tap) == []


@pytest.mark.parametrize("kind", KINDS)
def test_start_sync_execution_fault_is_a_problem_and_a_retry_answers(stack, faults, monkeypatch, kind: Kind):
    _seed_exposure(stack)
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")  # as the local stack creates them
    for read_timeout in range(1, 29):  # whichever read timeout what is left of the budget gives
        faults.inject(workflows._sync_client(read_timeout), "StartSyncExecution", kind)
    status, problem, headers = _post(stack, load_event(CREDIT_CHECK))
    faults.clear()

    retry_status, decision, _ = _post(stack, load_event(CREDIT_CHECK))

    assert (status, problem["type"]) == (
        (504, "https://sfbridge.dev/problems/workflow-timed-out")
        if kind == "times-out-after-effect"
        else (503, "https://sfbridge.dev/problems/workflow-unavailable")
    )
    assert headers["Content-Type"] == ["application/problem+json"]
    assert (retry_status, decision["decision"]) == (200, "APPROVED")


@pytest.mark.parametrize("kind", KINDS)
def test_start_execution_fault_never_runs_the_job_twice(stack, faults, kind: Kind):
    with faults.only(stepfunctions_client(), "StartExecution", kind):
        status, _, _ = _post(stack, load_event(START_ONBOARDING))

    retry_status, job, _ = _post(stack, load_event(START_ONBOARDING))

    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=stack.physical_id("AccountOnboardingStateMachine")
    )["executions"]
    assert status == 503
    assert retry_status == 202
    assert len(executions) == 1
    assert stack.invoke(API, job_status_event(job["id"]))["statusCode"] == 200


@pytest.mark.parametrize("kind", KINDS)
def test_describe_execution_fault_is_a_503_problem_and_the_next_poll_answers(stack, faults, kind: Kind):
    _, job, _ = _post(stack, load_event(START_ONBOARDING))

    with faults.only(stepfunctions_client(), "DescribeExecution", kind):
        failed = stack.invoke(API, job_status_event(job["id"]))
    polled = stack.invoke(API, job_status_event(job["id"]))

    assert failed["statusCode"] == 503
    assert json.loads(failed["body"])["type"] == "https://sfbridge.dev/problems/workflow-unavailable"
    assert polled["statusCode"] == 200


def _seed_exposure(stack: LocalStack) -> None:
    dynamodb = boto3.client("dynamodb")
    for item in credit_exposure_items():
        dynamodb.put_item(TableName=stack.physical_id("CreditExposureTable"), Item=item)
