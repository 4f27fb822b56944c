"""moto's record of its model objects holds the live ones and lets go of the copies it made in passing."""

import gc
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.common_models import BaseModel
from moto.dynamodb.models.dynamo_type import Item
from moto.sqs.models import Message

from localrun.moto_instances import MOTO_NEW, disable_weak_instance_tracking, enable_weak_instance_tracking


@pytest.fixture
def weak() -> Iterator[None]:
    enable_weak_instance_tracking()
    yield
    disable_weak_instance_tracking()


def _receive_twice_and_update_twice() -> tuple[Any, Any]:
    """One live message and one live item; moto deep-copies the message per receive and the item per update."""
    sqs, dynamodb = boto3.client("sqs", region_name="us-east-1"), boto3.client("dynamodb", region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="only one")
    for _ in range(2):
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "0"}})
    for value in ("1", "2"):
        dynamodb.update_item(
            TableName="t",
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": value}},
        )
    return sqs.receive_message(QueueUrl=url).get("Messages"), dynamodb.get_item(TableName="t", Key={"pk": {"S": "a"}})


def _live(model: type[BaseModel]) -> int:
    gc.collect()
    return len(list(model.instances_tracked))  # type: ignore[attr-defined]


def test_the_copies_moto_makes_in_passing_are_freed(weak):
    with mock_aws():
        messages, item = _receive_twice_and_update_twice()
        assert messages[0]["Body"] == "only one"
        assert item["Item"]["n"] == {"N": "2"}
        assert _live(Message) == 1  # the queue's own message, not a copy per receive
        assert _live(Item) == 1  # the table's item, not a copy per update


def test_moto_alone_keeps_every_copy():
    with mock_aws():
        _receive_twice_and_update_twice()
        assert _live(Message) > 1
        assert _live(Item) > 1


def test_live_objects_stay_listed_for_motos_dashboard(weak):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="listed")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="still here")
        gc.collect()
        assert [message.body for message in Message.instances_tracked] == ["still here"]  # type: ignore[attr-defined]


def test_a_reset_by_moto_is_followed(weak):
    with mock_aws():
        boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="before")
    Message.instances_tracked = []  # type: ignore[attr-defined]  # what moto's reset does
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="after")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
        assert _live(Message) == 1


def test_disabling_restores_motos_own():
    enable_weak_instance_tracking()
    disable_weak_instance_tracking()
    assert BaseModel.__new__ is MOTO_NEW
