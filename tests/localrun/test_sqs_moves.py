"""SQS message move tasks added to moto (which lacks them), in the shape and with the refusals of the real API."""

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localrun import sqs_moves
from localrun.sqs_moves import enable_message_move_tasks, forget_message_move_tasks
from localrun.sqs_scans import disable_short_queue_scans, enable_short_queue_scans


@pytest.fixture(params=["moto's queue scans", "short queue scans"])
def sqs(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Every test runs on moto's own SQS and on the one `make run` has (`localrun.sqs_scans`)."""
    if request.param == "short queue scans":
        enable_short_queue_scans()
    with mock_aws():
        enable_message_move_tasks()
        yield boto3.client("sqs")
        forget_message_move_tasks()
    disable_short_queue_scans()


def _queues(sqs: Any) -> tuple[str, str, str]:
    """(source url, dead-letter url, dead-letter arn), the source redriving after one receive."""
    dead = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(
        QueueName="work",
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dead_arn}", "maxReceiveCount": "1"}}'},
    )["QueueUrl"]
    return source, dead, dead_arn


def _wait_until_ended(sqs: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    # CANCELLING is not an end: the task's thread may still be between two moves.
    while (task := sqs.list_message_move_tasks(SourceArn=arn)["Results"][0])["Status"] in ("RUNNING", "CANCELLING"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return dict(task)


def _error_code(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_moved_messages_return_to_their_queue_with_id_and_body_and_a_fresh_receive_count(sqs):
    source, dead, arn = _queues(sqs)
    sent = sqs.send_message(QueueUrl=dead, MessageBody="poison")["MessageId"]

    sqs.start_message_move_task(SourceArn=arn)
    task = _wait_until_ended(sqs, arn)

    [message] = sqs.receive_message(QueueUrl=source, MessageSystemAttributeNames=["All"])["Messages"]
    assert (message["MessageId"], message["Body"]) == (sent, "poison")
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert task["Status"] == "COMPLETED"
    assert (task["ApproximateNumberOfMessagesMoved"], task["ApproximateNumberOfMessagesToMove"]) == (1, 1)
    assert "TaskHandle" not in task


def test_only_one_task_runs_per_queue(sqs):
    _, dead, arn = _queues(sqs)
    for _ in range(3):
        sqs.send_message(QueueUrl=dead, MessageBody="poison")
    handle = sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]

    code = _error_code(lambda: sqs.start_message_move_task(SourceArn=arn))
    listed = sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]
    sqs.cancel_message_move_task(TaskHandle=handle)

    assert code == "AWS.SimpleQueueService.UnsupportedOperation"  # the query-compatible code SQS answers
    assert listed["TaskHandle"] == handle
    assert listed["MaxNumberOfMessagesPerSecond"] == 1


def test_a_cancelled_task_leaves_what_it_moved_moved(sqs):
    source, dead, arn = _queues(sqs)
    for _ in range(5):
        sqs.send_message(QueueUrl=dead, MessageBody="poison")
    handle = sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]

    sqs.cancel_message_move_task(TaskHandle=handle)
    task = _wait_until_ended(sqs, arn)

    depth = {
        url: int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        for url in (source, dead)
    }
    assert task["Status"] == "CANCELLED"
    assert depth[source] == task["ApproximateNumberOfMessagesMoved"]
    assert depth[source] + depth[dead] == 5
    assert _error_code(lambda: sqs.cancel_message_move_task(TaskHandle=handle)) == "ResourceNotFoundException"


@pytest.mark.parametrize("rate", [0, 501])
def test_a_rate_outside_1_to_500_is_refused(sqs, rate):
    _, _, arn = _queues(sqs)

    assert _error_code(lambda: sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=rate)) == (
        "InvalidParameterValue"
    )


def test_a_queue_that_is_no_dead_letter_queue_is_refused(sqs):
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    assert _error_code(lambda: sqs.start_message_move_task(SourceArn=arn)) == "InvalidParameterValue"


def test_an_unknown_queue_is_refused(sqs):
    arn = "arn:aws:sqs:us-east-1:123456789012:missing"

    assert _error_code(lambda: sqs.start_message_move_task(SourceArn=arn)) == "ResourceNotFoundException"
    assert _error_code(lambda: sqs.list_message_move_tasks(SourceArn=arn)) == "ResourceNotFoundException"


def test_a_task_that_breaks_ends_failed_with_its_reason(sqs, monkeypatch):
    _, dead, arn = _queues(sqs)
    sqs.send_message(QueueUrl=dead, MessageBody="poison")

    def broken(source: Any, destination: Any) -> bool:
        raise RuntimeError("the destination vanished")

    monkeypatch.setattr(sqs_moves, "_move_one", broken)
    sqs.start_message_move_task(SourceArn=arn)
    deadline = time.monotonic() + 10
    while (task := sqs.list_message_move_tasks(SourceArn=arn)["Results"][0])["Status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)

    assert task["Status"] == "FAILED"
    assert task["FailureReason"] == "RuntimeError: the destination vanished"
    assert "TaskHandle" not in task
