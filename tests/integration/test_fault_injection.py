"""Faults at every AWS call of the receiver and the outbound worker: failing, throttled, timing out after effect.

The invariant, whatever fails: no Ack without a durable write (Salesforce resends until it gets one); after retries,
every acked notification is applied, or is in the dead-letter queue with its reason; nothing is applied twice,
except in the one documented window (the effect happened, its completion record did not: PutEvents timing out after
EventBridge took the event).
"""

from collections import Counter
from typing import Any

import boto3
import pytest

from localrun.stack import LocalStack
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.soap.responses import ACK
from tests.support import load_body, load_event, with_body
from tests.support_aws import Hooks, refuse_put_events_over_quota

REQUEST = load_event("outbound_receiver/account-1")
SMALL = load_body("outbound_receiver/opportunity-3")
BIG = SMALL.replace(b"<sf:Name>", b"<sf:Note__c>" + b"x" * 140_000 + b"</sf:Note__c><sf:Name>")
"""Two notifications of about 140 KB: too big for the queue together (an S3 claim check), each fits the bus."""
THROTTLED = {
    "sqs": (400, "RequestThrottled"),
    "s3": (503, "SlowDown"),
    "dynamodb": (400, "ThrottlingException"),
    "events": (400, "ThrottlingException"),
}
FAILING = {
    "sqs": (500, "InternalError"),
    "s3": (500, "InternalError"),
    "dynamodb": (500, "InternalServerError"),
    "events": (500, "InternalException"),
}
CALLS = [
    ("sqs", "SendMessage"),  # receiver: the durable write
    ("s3", "PutObject"),  # receiver: the claim check
    ("s3", "GetObject"),  # worker: reading the claim check
    ("s3", "DeleteObject"),  # worker: deleting the applied claim check
    ("dynamodb", "BatchGetItem"),  # worker: dedupe and version records
    ("dynamodb", "TransactWriteItems"),  # worker: locking notifications, advancing versions
    ("dynamodb", "BatchWriteItem"),  # worker: settling (completed, or lock released)
    ("dynamodb", "PutItem"),  # worker: failure records, item-by-item locks
    ("events", "PutEvents"),  # worker: the default handler
]
DOCUMENTED_WINDOW = {("events", "PutEvents", "timeout")}


def _inject(hooks: Hooks, service: str, operation: str, mode: str) -> None:
    if mode == "timeout":
        hooks.time_out_after_effect(service, operation, times=2)
    else:
        status, code = (THROTTLED if mode == "throttled" else FAILING)[service]
        hooks.fail(service, operation, status=status, code=code, times=2)


def _heal(hooks: Hooks) -> None:
    hooks.remove_all()
    hooks.before_call("events", "PutEvents", refuse_put_events_over_quota)


def _post_until_acked(stack: LocalStack, hooks: Hooks, body: bytes) -> None:
    """Salesforce's side: resend until the answer is an Ack (here: once more, after the fault has passed)."""
    first = stack.invoke("OutboundReceiverFunction", with_body(REQUEST, body))
    stack.drain()
    if first["body"].encode() != ACK:
        assert "soapenv:Server" in first["body"]
        _heal(hooks)
        again = stack.invoke("OutboundReceiverFunction", with_body(REQUEST, body))
        assert again["body"].encode() == ACK
    _heal(hooks)
    stack.drain()


def _dead_lettered_ids(stack: LocalStack) -> set[str]:
    """Notification ids named by the failure records of the messages in the dead-letter queue."""
    sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
    url, table = stack.physical_id("OutboundDeadLetterQueue"), stack.physical_id("DeliveryFailureTable")
    named: set[str] = set()
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []):
        item = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"outbound#{message['MessageId']}"}})["Item"]
        assert item["reason"]["S"]
        named |= {failure["M"]["item_id"]["S"] for failure in item["failures"]["L"]}
    return named


@pytest.mark.parametrize("mode", ["failing", "throttled", "timeout"])
@pytest.mark.parametrize(("service", "operation"), CALLS, ids=[f"{s}.{o}" for s, o in CALLS])
def test_every_acked_notification_is_applied_once_or_dead_lettered_with_its_reason(
    stack, bus_tap, aws_hooks: Hooks, service: str, operation: str, mode: str
) -> None:
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=stack.physical_id("OutboundQueue"), Attributes={"VisibilityTimeout": "0"}
    )
    body = BIG if service == "s3" else SMALL
    expected = {notification.notification_id for notification in parse_outbound_message(body).notifications}
    _inject(aws_hooks, service, operation, mode)

    _post_until_acked(stack, aws_hooks, body)

    applied: Counter[str] = Counter(event["detail"]["notificationId"] for event in bus_tap.events())
    assert expected <= set(applied) | _dead_lettered_ids(stack)
    if (service, operation, mode) not in DOCUMENTED_WINDOW:
        assert max(applied.values(), default=1) == 1, applied.most_common(3)


def test_the_big_message_travels_as_a_claim_check_and_each_of_its_events_fits_the_bus() -> None:
    assert len(BIG) > 262_144
    assert (
        max(len(notification.model_dump_json()) for notification in parse_outbound_message(BIG).notifications) < 200_000
    )


def test_a_durable_write_that_failed_is_never_acked(stack, aws_hooks: Hooks) -> None:
    aws_hooks.fail("sqs", "SendMessage", status=500, code="InternalError")

    response: dict[str, Any] = stack.invoke("OutboundReceiverFunction", with_body(REQUEST, SMALL))

    assert response["body"].encode() != ACK
    assert "soapenv:Server" in response["body"]
