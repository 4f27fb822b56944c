"""The SQS event source: Lambda-shaped records, partial batch responses, redrive to the dead-letter queue."""

import base64

import boto3

from localrun.pollers import failed_message_ids, sqs_record
from localrun.stack import LocalStack

MESSAGE = {
    "MessageId": "m-1",
    "ReceiptHandle": "handle",
    "Body": "hello",
    "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
    "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
    "MessageAttributes": {
        "kind": {"DataType": "String", "StringValue": "greeting"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    },
}


def test_record_has_the_shape_lambda_gives_it() -> None:
    record = sqs_record(MESSAGE, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")

    assert record == {
        "messageId": "m-1",
        "receiptHandle": "handle",
        "body": "hello",
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "messageAttributes": {
            "kind": {"stringValue": "greeting", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
            "raw": {
                "binaryValue": base64.b64encode(b"\x00\x01").decode(),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "Binary",
            },
        },
        "md5OfBody": "5d41402abc4b2a76b9719d911017c592",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def test_partial_batch_response_names_the_records_to_keep() -> None:
    messages = [{"MessageId": "a"}, {"MessageId": "b"}]

    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, messages) == {"b"}
    assert failed_message_ids({"batchItemFailures": []}, messages) == set()
    assert failed_message_ids(None, messages) == set()


def test_malformed_partial_batch_response_fails_the_whole_batch() -> None:
    messages = [{"MessageId": "a"}, {"MessageId": "b"}]

    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, messages) == {"a", "b"}
    assert failed_message_ids({"batchItemFailures": [{"id": "a"}]}, messages) == {"a", "b"}


def test_poll_deletes_successes_and_failures_reach_the_dead_letter_queue(fixture_stack: LocalStack) -> None:
    sqs = boto3.client("sqs")
    queue_url = fixture_stack.physical_id("WorkQueue")
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    handled = fixture_stack.drain()

    dead = sqs.receive_message(QueueUrl=fixture_stack.physical_id("WorkDeadLetterQueue"), MaxNumberOfMessages=10)
    assert handled == 4  # three, then the failed one again; its third receive moves it to the dead-letter queue
    assert [message["Body"] for message in dead["Messages"]] == ["fail"]
    assert fixture_stack.poll_once() == 0


def test_batch_size_bounds_each_invocation(fixture_stack: LocalStack) -> None:
    sqs = boto3.client("sqs")
    for index in range(5):
        sqs.send_message(QueueUrl=fixture_stack.physical_id("WorkQueue"), MessageBody=f"ok-{index}")

    assert fixture_stack.poll_once() == 3
    assert fixture_stack.poll_once() == 2
