"""`sfbridge redrive`: SQS message move tasks back to the source queue, followed to the end, one at a time.

moto has no message move tasks: `localrun.sqs_moves` adds them (in the real API's shape) to moto's SQS.
"""

import threading

import boto3
import pytest

from operate import redrive
from operate.stack import open_stack
from tests.operate.conftest import (
    STACK,
    dead_letter,
    queue_depth,
    queued_account_message,
    queued_job_result,
    queued_order_event,
    run_sfbridge,
)


def _dead_letter_arn(stack, logical_id: str) -> str:
    return boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]


def test_moves_every_dead_letter_back_to_its_queue(stack, sfbridge):
    ids = {dead_letter(stack, "CalloutEventsDeadLetterQueue", queued_order_event()) for _ in range(3)}

    result = sfbridge("redrive", "events")

    assert result.exit_code == 0, result.output
    assert "COMPLETED: moved 3 of 3" in result.output
    assert queue_depth(stack, "CalloutEventsDeadLetterQueue") == 0
    moved = boto3.client("sqs").receive_message(
        QueueUrl=stack.physical_id("CalloutEventsQueue"), MaxNumberOfMessages=10
    )
    assert {message["MessageId"] for message in moved["Messages"]} == ids


def test_moves_job_results_back_to_the_job_results_queue(job_results_stack):
    message_id = dead_letter(job_results_stack, "JobResultsDeadLetterQueue", queued_job_result())

    result = run_sfbridge("redrive", "job-results")

    assert result.exit_code == 0, result.output
    assert "COMPLETED: moved 1 of 1" in result.output
    assert queue_depth(job_results_stack, "JobResultsDeadLetterQueue") == 0
    moved = boto3.client("sqs").receive_message(QueueUrl=job_results_stack.physical_id("JobResultsQueue"))
    assert [message["MessageId"] for message in moved["Messages"]] == [message_id]


def test_dry_run_moves_nothing(stack, sfbridge):
    dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    result = sfbridge("redrive", "outbound", "--dry-run")

    assert result.exit_code == 0
    assert "1 message(s) in the outbound dead-letter queue" in result.output
    assert "dry run: nothing moved" in result.output
    assert queue_depth(stack, "OutboundDeadLetterQueue") == 1
    assert queue_depth(stack, "OutboundQueue") == 0


def test_refuses_while_a_move_task_runs(stack, sfbridge):
    for _ in range(5):
        dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())
    sqs = boto3.client("sqs")
    handle = sqs.start_message_move_task(
        SourceArn=_dead_letter_arn(stack, "OutboundDeadLetterQueue"), MaxNumberOfMessagesPerSecond=1
    )["TaskHandle"]

    result = sfbridge("redrive", "outbound")
    sqs.cancel_message_move_task(TaskHandle=handle)

    assert result.exit_code == 1
    assert "a move task on the outbound dead-letter queue is RUNNING" in result.output


def test_stopping_cancels_the_task_and_leaves_no_message_half_moved(stack):
    for _ in range(5):
        dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())
    operator = open_stack(STACK)
    stop = threading.Event()
    stop.set()  # Ctrl-C as soon as the task has started

    outcome = redrive.move(
        operator, redrive.plan(operator, "outbound"), max_per_second=1, progress=lambda *_: None, stop=stop
    )

    assert outcome.status == "CANCELLED"
    assert outcome.moved < 5
    assert queue_depth(stack, "OutboundQueue") == outcome.moved
    assert queue_depth(stack, "OutboundDeadLetterQueue") == 5 - outcome.moved


@pytest.mark.parametrize("rate", ["0", "501"])
def test_a_rate_sqs_would_refuse_is_refused(stack, sfbridge, rate):
    dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    result = sfbridge("redrive", "outbound", "--max-per-second", rate)

    assert result.exit_code == 2
    assert queue_depth(stack, "OutboundDeadLetterQueue") == 1


def test_an_empty_dead_letter_queue_starts_no_task(stack, sfbridge):
    result = sfbridge("redrive", "outbound")

    tasks = boto3.client("sqs").list_message_move_tasks(SourceArn=_dead_letter_arn(stack, "OutboundDeadLetterQueue"))
    assert result.exit_code == 0
    assert "nothing to move" in result.output
    assert tasks["Results"] == []
