"""Queue attributes counted in one pass answer as moto's own, and the retention check still drops old messages."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Queue

from localrun import sqs_attributes
from localrun.sqs_attributes import disable_one_pass_queue_attributes, enable_one_pass_queue_attributes


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
    enable_one_pass_queue_attributes()
    try:
        ours = _attributes(make_queue)
    finally:
        disable_one_pass_queue_attributes()
    theirs = _attributes(make_queue)
    for found in (ours, theirs):  # the clock moves between the two runs
        for name in ("CreatedTimestamp", "LastModifiedTimestamp"):
            found["all"].pop(name)
    assert ours == theirs


def test_counts_waiting_in_flight_and_delayed_messages():
    enable_one_pass_queue_attributes()
    try:
        found = _attributes(_standard)["all"]
    finally:
        disable_one_pass_queue_attributes()
    assert found["ApproximateNumberOfMessages"] == "3"
    assert found["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert found["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_message_past_its_retention_period_is_not_received(monkeypatch):
    enable_one_pass_queue_attributes()
    try:
        with mock_aws():
            sqs = boto3.client("sqs", region_name="us-east-1")
            url = sqs.create_queue(QueueName="short", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="old")
            now = sqs_attributes.unix_time()
            monkeypatch.setattr(sqs_attributes, "unix_time", lambda: now + 59)
            assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"] == "old"
            monkeypatch.setattr(sqs_attributes, "unix_time", lambda: now + 61)
            assert "Messages" not in sqs.receive_message(QueueUrl=url)
    finally:
        disable_one_pass_queue_attributes()


def test_disabling_restores_motos_own():
    enable_one_pass_queue_attributes()
    disable_one_pass_queue_attributes()
    assert Queue.attributes is sqs_attributes.MOTO_ATTRIBUTES
