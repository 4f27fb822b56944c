"""The bus tap queue stays bounded: the oldest copies beyond the limit are dropped, the newest kept."""

import boto3
from moto import mock_aws

from localrun.tap import trim_queue


def test_tap_keeps_only_the_newest_messages_beyond_its_limit() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="tap")["QueueUrl"]
        for number in range(25):
            sqs.send_message(QueueUrl=url, MessageBody=str(number))

        dropped = trim_queue(sqs, url, limit=7)

        kept = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            kept.extend(int(message["Body"]) for message in messages)
        assert dropped == 18
        assert sorted(kept) == list(range(18, 25))


def test_tap_under_its_limit_is_left_alone() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="tap")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="only")

        assert trim_queue(sqs, url, limit=7) == 0
        assert (
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
            == "1"
        )
