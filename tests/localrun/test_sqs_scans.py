"""SQS with short scans answers as moto's own: attributes, sends, receives, deletes, retention and long polls."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sqs.models import Queue

from localrun import sqs_scans
from localrun.sqs_scans import disable_short_queue_scans, enable_short_queue_scans


@contextmanager
def short_queue_scans() -> Iterator[None]:
    enable_short_queue_scans()
    try:
        yield
    finally:
        disable_short_queue_scans()


def _standard(sqs: Any) -> str:
    dead = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName="work",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 5}),
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
            "KmsMasterKeyId": "alias/aws/sqs",
        },
    )["QueueUrl"]
    for number in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"waiting {number}")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=600)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=600)
    return url


def _fifo(sqs: Any) -> str:
    url = sqs.create_queue(
        QueueName="work.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{number}", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="m0", MessageGroupId="g")  # deduplicated
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    return url


def _attributes(make_queue: Callable[[Any], str]) -> dict[str, Any]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = make_queue(sqs)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        asked = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
    return {"all": attributes, "asked": asked}


@pytest.mark.parametrize("make_queue", [_standard, _fifo], ids=["standard with DLQ, policy and KMS", "FIFO"])
def test_attributes_are_the_ones_moto_answers(make_queue):
    with short_queue_scans():
        ours = _attributes(make_queue)
    theirs = _attributes(make_queue)
    for found in (ours, theirs):  # the clock moves between the two runs
        for name in ("CreatedTimestamp", "LastModifiedTimestamp"):
            found["all"].pop(name)
    assert ours == theirs


def test_counts_waiting_in_flight_and_delayed_messages():
    with short_queue_scans():
        found = _attributes(_standard)["all"]
    assert found["ApproximateNumberOfMessages"] == "3"
    assert found["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert found["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_message_past_its_retention_period_is_not_received(monkeypatch):
    with short_queue_scans(), mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="old")
        now = sqs_scans.unix_time()
        monkeypatch.setattr(sqs_scans, "unix_time", lambda: now + 59)
        assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"] == "old"
        monkeypatch.setattr(sqs_scans, "unix_time", lambda: now + 61)
        assert "Messages" not in sqs.receive_message(QueueUrl=url)


def _story(sqs: Any) -> list[Any]:
    """Sends, receives and deletes whose every answer a client could see, on a queue with a dead-letter queue."""
    dead = sqs.create_queue(QueueName="story-dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName="story", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    seen: list[Any] = []

    def receive(**options: Any) -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **options).get("Messages", [])
        seen.append(sorted(message["Body"] for message in messages))
        return messages

    def delete(handle: str) -> None:
        try:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
            seen.append("deleted")
        except ClientError as error:
            seen.append(error.response["Error"]["Code"])

    for number in range(25):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{number:02}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
    first = receive(VisibilityTimeout=600)  # ten in flight
    second = receive(VisibilityTimeout=0)  # ten more, visible again at once
    receive(VisibilityTimeout=600)  # those ten again, with the five never received
    delete(first[0]["ReceiptHandle"])
    delete(first[0]["ReceiptHandle"])  # twice: accepted
    delete(second[0]["ReceiptHandle"])  # an older handle of a message received again
    delete("not-a-receipt-handle")
    receive(VisibilityTimeout=0)  # everything is in flight but the delayed message
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    seen.append({name: value for name, value in attributes.items() if name.startswith("Approximate")})
    dead_messages = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
    seen.append(sorted(message["Body"] for message in dead_messages))
    return seen


def test_sends_receives_and_deletes_answer_as_motos_own():
    def transcript() -> list[Any]:
        with mock_aws():
            return _story(boto3.client("sqs", region_name="us-east-1"))

    with short_queue_scans():
        ours = transcript()
    assert ours == transcript()
    assert ours[3:7] == ["deleted", "deleted", "deleted", "ReceiptHandleIsInvalid"]


def test_a_long_poll_returns_the_message_sent_while_it_waits():
    with short_queue_scans(), mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="poll")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=1)
        assert "Messages" not in sqs.receive_message(QueueUrl=url)
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"]
    assert [message["Body"] for message in messages] == ["soon"]


def test_no_message_sent_while_others_are_deleted_is_lost():
    """The receiver sends to the queue the worker deletes from, from another thread."""
    with short_queue_scans(), mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="busy")["QueueUrl"]
        sent, deleted = 300, []

        def send() -> None:
            for number in range(sent):
                sqs.send_message(QueueUrl=url, MessageBody=str(number))

        sender = threading.Thread(target=send)
        sender.start()
        while sender.is_alive() or len(deleted) < sent:
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                deleted.append(message["Body"])
            if not sender.is_alive() and not sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages"):
                break
        sender.join()
    assert sorted(deleted, key=int) == [str(number) for number in range(sent)]


def test_disabling_restores_motos_own():
    enable_short_queue_scans()
    disable_short_queue_scans()
    assert Queue.attributes is sqs_scans.MOTO_ATTRIBUTES
    assert Queue.messages is sqs_scans.MOTO_MESSAGES
    assert Queue.delete_message is sqs_scans.MOTO_DELETE
