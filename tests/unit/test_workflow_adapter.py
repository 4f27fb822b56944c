"""Step Functions adapter: StartSyncExecution's 200 is not a success by itself, and the time budget holds."""

import json
import time

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from sfbridge.adapters import workflows as adapter
from sfbridge.adapters.workflows import Workflows, execution_arn
from sfbridge.exceptions import WorkflowTimedOut, WorkflowUnavailable

ROLE = "arn:aws:iam::123456789012:role/sfbridge-states"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:sfbridge-CreditCheckStateMachine"
SLOW = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}}}
ECHO = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


@pytest.fixture
def stepfunctions():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions")


def _machine(stepfunctions, name: str, definition: dict) -> str:
    created = stepfunctions.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS"
    )
    return str(created["stateMachineArn"])


def test_emulated_sync_run_returns_the_output(stepfunctions):
    arn = _machine(stepfunctions, "echo", ECHO)

    outcome = Workflows(emulate_sync=True).run_sync(arn, name="r-1", input='{"amount": 1}', budget_seconds=5)

    assert outcome.status == "SUCCEEDED"
    assert json.loads(outcome.output or "") == {"amount": 1}


def test_emulated_sync_run_gives_up_when_the_budget_is_spent(stepfunctions):
    arn = _machine(stepfunctions, "slow", SLOW)
    started = time.monotonic()

    with pytest.raises(WorkflowTimedOut, match="time budget of 3 s"):
        Workflows(emulate_sync=True).run_sync(arn, name="r-2", input="{}", budget_seconds=3.1)

    assert time.monotonic() - started < 10  # far from the minute the execution would take


@pytest.mark.parametrize("emulate_sync", [True, False], ids=["emulated", "StartSyncExecution"])
def test_budget_too_short_for_connect_and_read_starts_nothing(stepfunctions, emulate_sync):
    arn = _machine(stepfunctions, "echo", ECHO)

    with pytest.raises(WorkflowTimedOut, match="spent before the workflow could start"):
        Workflows(emulate_sync=emulate_sync).run_sync(arn, name="r-6", input="{}", budget_seconds=2.5)

    assert stepfunctions.list_executions(stateMachineArn=arn)["executions"] == []


def test_sync_run_reports_a_failed_execution_although_the_call_answered_200():
    client = adapter._sync_client(23)  # 25 s budget - 2 s connect timeout
    response = {
        "executionArn": MACHINE.replace(":stateMachine:", ":express:") + ":r-3:1",
        "startDate": "2026-11-25T11:02:41Z",
        "stopDate": "2026-11-25T11:02:42Z",
        "status": "FAILED",
        "error": "ExposureUnavailable",
        "cause": "Requested resource not found",
    }
    with Stubber(client) as stubbed:
        stubbed.add_response(
            "start_sync_execution", response, {"stateMachineArn": MACHINE, "name": "r-3", "input": "{}"}
        )
        outcome = Workflows().run_sync(MACHINE, name="r-3", input="{}", budget_seconds=25)

    assert (outcome.status, outcome.error) == ("FAILED", "ExposureUnavailable")


def test_sync_run_that_outlasts_the_read_timeout_is_a_timeout(monkeypatch):
    client = adapter._sync_client(1)  # 3 s budget - 2 s connect timeout

    def too_slow(**_: object) -> None:
        raise ReadTimeoutError(endpoint_url="https://sync-states.us-east-1.amazonaws.com/")

    monkeypatch.setattr(client, "start_sync_execution", too_slow)

    with pytest.raises(WorkflowTimedOut):
        Workflows().run_sync(MACHINE, name="r-4", input="{}", budget_seconds=3)


def test_sync_run_refused_by_step_functions_is_unavailable():
    client = adapter._sync_client(2)  # 4 s budget - 2 s connect timeout
    with Stubber(client) as stubbed:
        stubbed.add_client_error("start_sync_execution", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(WorkflowUnavailable, match="ThrottlingException"):
            Workflows().run_sync(MACHINE, name="r-5", input="{}", budget_seconds=4)


def test_describe_of_an_unknown_execution_is_none(stepfunctions):
    arn = _machine(stepfunctions, "echo", ECHO)

    assert Workflows().describe(execution_arn(arn, "never-started")) is None


def test_execution_arn_is_derived_from_the_state_machine_arn():
    assert (
        execution_arn(MACHINE, "abc")
        == "arn:aws:states:us-east-1:123456789012:execution:sfbridge-CreditCheckStateMachine:abc"
    )
