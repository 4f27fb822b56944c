"""`sfbridge dlq show`: what a dead-letter queue holds and why (the workers' failure records), without consuming."""

import boto3
import pytest

from tests.operate.conftest import (
    FAILURE_TABLE,
    dead_letter,
    queue_depth,
    queued_account_message,
    queued_job_result,
    queued_order_event,
    run_sfbridge,
)


def _record_failure(queue: str, message_id: str, reason: str, failures: list[tuple[str, str, str]]) -> None:
    """A delivery failure record as the shared contract defines it (written by the workers)."""
    boto3.client("dynamodb").put_item(
        TableName=FAILURE_TABLE,
        Item={
            "pk": {"S": f"{queue}#{message_id}"},
            "queue": {"S": queue},
            "message_id": {"S": message_id},
            "reason": {"S": reason},
            "failures": {
                "L": [
                    {"M": {"item_id": {"S": item}, "error_type": {"S": kind}, "reason": {"S": why}}}
                    for item, kind, why in failures
                ]
            },
            "receive_count": {"N": "3"},
            "recorded_at": {"S": "2026-11-25T10:16:02Z"},
            "expires_at": {"N": "1796000000"},
        },
    )


def test_shows_each_message_with_the_reason_the_worker_recorded(stack, sfbridge):
    message_id = dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())
    _record_failure(
        "outbound",
        message_id,
        "handler for Account failed",
        [("04l5g0000000500AAA", "ConnectionError", "ERP at erp.example.com refused the connection")],
    )

    result = sfbridge("dlq", "show", "outbound")

    assert result.exit_code == 0, result.output
    assert message_id in result.output
    assert "org 00DKb00000AbCdEMAV, 1 notification(s): 04l5g0000000500AAA" in result.output
    assert "handler for Account failed" in result.output
    assert "04l5g0000000500AAA: ConnectionError: ERP at erp.example.com refused the connection" in result.output
    assert "1 message(s) in the queue; 1 shown, none consumed" in result.output


def test_a_message_without_a_failure_record_is_still_shown(stack, sfbridge):
    message_id = dead_letter(stack, "CalloutEventsDeadLetterQueue", queued_order_event())

    result = sfbridge("dlq", "show", "events")

    assert message_id in result.output
    assert "event order-placed 6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b" in result.output
    assert "(no failure record)" in result.output


def test_job_results_dead_letters_show_the_execution_and_its_status(job_results_stack):
    message_id = dead_letter(job_results_stack, "JobResultsDeadLetterQueue", queued_job_result())

    result = run_sfbridge("dlq", "show", "job-results")

    assert result.exit_code == 0, result.output
    assert message_id in result.output
    assert "execution 3f9a2c1e7b8d4e5fa6b7c8d9e0f1a2b3 FAILED" in result.output
    assert queue_depth(job_results_stack, "JobResultsDeadLetterQueue") == 1


def test_job_results_are_refused_where_the_stack_does_not_publish_them(stack, sfbridge):
    result = sfbridge("dlq", "show", "job-results")

    assert result.exit_code == 2
    assert "does not publish job results (JobResultsToSalesforce=false)" in result.output


def test_showing_consumes_nothing_and_leaves_every_message_visible(stack, sfbridge):
    for _ in range(12):
        dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    first = sfbridge("dlq", "show", "outbound", "--limit", "12")
    second = sfbridge("dlq", "show", "outbound", "--limit", "12")

    visible = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id("OutboundDeadLetterQueue"), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert "12 shown, none consumed" in first.output
    assert "12 shown, none consumed" in second.output
    assert visible == "12"


def test_limit_caps_what_is_shown(stack, sfbridge):
    for _ in range(5):
        dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    result = sfbridge("dlq", "show", "outbound", "--limit", "2")

    assert "5 message(s) in the queue; 2 shown, none consumed" in result.output
    assert queue_depth(stack, "OutboundDeadLetterQueue") == 5


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["dlq", "show", "inbound"], "'inbound' is not one of"),
        (["dlq", "show", "outbound", "--limit", "0"], "Invalid value for '--limit'"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_read(stack, sfbridge, arguments, complaint):
    dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    result = sfbridge(*arguments)

    assert result.exit_code == 2
    assert complaint in result.output
