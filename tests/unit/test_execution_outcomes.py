"""An execution's end becomes an HTTP answer by its status and the workflow's error name, never by message text."""

import json

import pytest

from sfbridge.callouts.problems import problem_for
from sfbridge.domain.executions import caller_cause, ending_error, execution_output
from sfbridge.exceptions import WorkflowConflict, WorkflowFailed, WorkflowRejectedInput, WorkflowTimedOut
from sfbridge.models.workflows import ExecutionOutcome

ARN = "arn:aws:states:us-east-1:123456789012:express:sfbridge-CreditCheckStateMachine:r-1:0b6c"
LAMBDA_CAUSE = json.dumps(
    {
        "errorMessage": "$.input.currencyIsoCode: credit is not granted in JPY (only CHF, EUR, GBP, USD)",
        "errorType": "WorkflowInputInvalid",
        "requestId": "e4b1",
        "stackTrace": ['  File "/var/task/app.py", line 14, in lambda_handler\n'],
    }
)


def _ended(
    status: str, error: str | None = None, cause: str | None = None, output: str | None = None
) -> ExecutionOutcome:
    return ExecutionOutcome(execution_arn=ARN, status=status, error=error, cause=cause, output=output)  # type: ignore[arg-type]


def test_succeeded_execution_answers_its_output():
    assert execution_output("credit-check", _ended("SUCCEEDED", output='{"decision": "APPROVED"}')) == {
        "decision": "APPROVED"
    }


def test_failed_with_validation_error_is_422_showing_the_lambda_message_without_its_stack_trace():
    error = ending_error("credit-check", _ended("FAILED", "ValidationError", LAMBDA_CAUSE))

    problem = problem_for(error)  # type: ignore[arg-type]
    assert isinstance(error, WorkflowRejectedInput)
    assert problem.status == 422
    assert problem.detail == "$.input.currencyIsoCode: credit is not granted in JPY (only CHF, EUR, GBP, USD)"
    assert "stackTrace" not in problem.detail


def test_failed_with_conflict_is_409_with_the_fail_state_cause():
    error = ending_error(
        "account-onboarding", _ended("FAILED", "Conflict", "This account already has a credit account.")
    )

    assert isinstance(error, WorkflowConflict)
    assert problem_for(error).detail == "This account already has a credit account."


def test_failed_with_any_other_error_is_502_naming_the_error_but_not_its_cause():
    error = ending_error(
        "credit-check", _ended("FAILED", "ExposureUnavailable", "Requested resource not found (Service: DynamoDB)")
    )

    problem = problem_for(error)  # type: ignore[arg-type]
    assert isinstance(error, WorkflowFailed)
    assert (problem.status, problem.workflow_error) == (502, "ExposureUnavailable")
    assert "DynamoDB" not in problem.detail


@pytest.mark.parametrize(
    "outcome", [_ended("TIMED_OUT"), _ended("FAILED", "States.Timeout")], ids=["timed-out", "task-timeout"]
)
def test_timeout_is_504(outcome):
    assert problem_for(ending_error("credit-check", outcome)).status == 504  # type: ignore[arg-type]


def test_aborted_execution_is_a_workflow_failure():
    assert isinstance(ending_error("account-onboarding", _ended("ABORTED")), WorkflowFailed)


def test_running_execution_has_no_ending_error():
    assert ending_error("account-onboarding", _ended("RUNNING")) is None


def test_failed_execution_output_is_raised_not_returned():
    with pytest.raises(WorkflowTimedOut):
        execution_output("credit-check", _ended("TIMED_OUT"))


def test_succeeded_execution_with_output_that_is_not_json_is_a_workflow_failure():
    with pytest.raises(WorkflowFailed):
        execution_output("credit-check", _ended("SUCCEEDED", output="APPROVED"))


def test_plain_cause_is_kept_and_capped():
    assert caller_cause("x" * 5000) == "x" * 1000
