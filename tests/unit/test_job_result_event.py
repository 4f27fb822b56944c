"""The Platform Event made from an ended job: fields, and output cut to what Salesforce's field holds."""

import json

import pytest

from sfbridge.domain.job_results import CAUSE_LIMIT, OUTPUT_LIMIT, cut, job_result_event
from sfbridge.models.callouts import JobView
from sfbridge.models.job_results import ExecutionStatusEvent
from tests.support import load_event

JOB_ID = "YWNjb3VudC1vbmJvYXJkaW5nLzNmOWEyYzFlN2I4ZDRlNWZhNmI3YzhkOWUwZjFhMmIz"


def _change(**detail: object):
    sample = load_event("job_results/status-change-failed")
    sample["detail"].update(status="SUCCEEDED", error=None, cause=None, **detail)
    return ExecutionStatusEvent.model_validate(sample).detail


def test_output_that_fits_is_sent_whole_as_json():
    event = job_result_event(_change(), "account-onboarding", JobView(id=JOB_ID, status="SUCCEEDED", output={"a": 1}))

    assert json.loads(event.output) == {"a": 1}
    assert event.output_truncated is False


def test_output_of_exactly_the_field_length_is_not_cut():
    text = "x" * (OUTPUT_LIMIT - 2)  # plus the two quotes of the JSON string
    event = job_result_event(_change(), "account-onboarding", JobView(id=JOB_ID, status="SUCCEEDED", output=text))

    assert len(event.output) == OUTPUT_LIMIT
    assert event.output_truncated is False


def test_output_longer_than_the_field_is_cut_and_flagged():
    output = {"lines": ["Zürich Maschinenbau " * 20 for _ in range(400)]}
    event = job_result_event(_change(), "account-onboarding", JobView(id=JOB_ID, status="SUCCEEDED", output=output))

    assert len(event.output) == OUTPUT_LIMIT
    assert event.output_truncated is True
    assert json.dumps(output, ensure_ascii=False, separators=(",", ":")).startswith(event.output)


def test_characters_outside_the_bmp_count_twice_as_salesforce_counts_them():
    text = "😀" * (OUTPUT_LIMIT // 2 + 10)

    kept = cut(text, OUTPUT_LIMIT)

    assert len(kept.encode("utf-16-le")) // 2 <= OUTPUT_LIMIT
    assert kept == "😀" * (OUTPUT_LIMIT // 2)


def test_output_eventbridge_left_out_is_flagged_and_not_invented():
    change = _change(output=None, outputDetails={"included": False})

    event = job_result_event(change, "account-onboarding", JobView(id=JOB_ID, status="SUCCEEDED"))

    assert event.output is None
    assert event.output_truncated is True


def test_long_cause_is_cut_to_its_field():
    failed = ExecutionStatusEvent.model_validate(load_event("job_results/status-change-failed")).detail
    from sfbridge.models.callouts import Problem

    problem = Problem(type="t/workflow-failed", title="Workflow failed", status=502, detail="y" * (CAUSE_LIMIT * 2))
    event = job_result_event(failed, "account-onboarding", JobView(id=JOB_ID, status="FAILED", error=problem))

    assert len(event.error_cause) == CAUSE_LIMIT
    assert event.error_code == "workflow-failed"


@pytest.mark.parametrize(
    "change",
    [
        {"detail-type": "Step Functions State Machine Status Change"},
        {"source": "aws.events"},
        {"detail": {"status": "RUNNING"}},
        {"detail": {"executionArn": ""}},
    ],
    ids=["other detail-type", "other source", "not ended", "no execution"],
)
def test_anything_but_an_ended_execution_is_refused(change):
    sample = load_event("job_results/status-change-failed")
    for key, value in change.items():
        sample[key] = {**sample[key], **value} if isinstance(value, dict) else value

    with pytest.raises(ValueError, match="validation error"):
        ExecutionStatusEvent.model_validate(sample)
