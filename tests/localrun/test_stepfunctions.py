"""State machines run by moto call the local functions for their Lambda tasks, in both Resource forms."""

import json
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localrun.stack import LocalStack
from localrun.stepfunctions import function_name


def run_to_end(execution_arn: str) -> dict[str, Any]:
    stepfunctions = boto3.client("stepfunctions")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        execution = stepfunctions.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.01)
    raise AssertionError(f"{execution_arn} still running")


def test_lambda_tasks_of_both_forms_call_the_local_function(fixture_stack: LocalStack) -> None:
    started = boto3.client("stepfunctions").start_execution(
        stateMachineArn=fixture_stack.physical_id("DoubleStateMachine"), input=json.dumps({"value": 3})
    )

    execution = run_to_end(started["executionArn"])

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"value": 12, "greeting": "hello", "function": "DoubleFunction"}


def test_function_error_fails_the_task_with_its_error_type(fixture_stack: LocalStack) -> None:
    started = boto3.client("stepfunctions").start_execution(
        stateMachineArn=fixture_stack.physical_id("DoubleStateMachine"), input=json.dumps({"value": 1, "fail": True})
    )

    execution = run_to_end(started["executionArn"])

    assert execution["status"] == "FAILED"
    assert execution["error"] == "DoublingRefused"
    assert json.loads(execution["cause"])["errorMessage"] == "asked to fail"


def test_function_waiting_on_a_sync_execution_does_not_block_its_tasks(fixture_stack: LocalStack) -> None:
    response = fixture_stack.invoke("StarterFunction", {"body": json.dumps({"value": 5})})

    assert json.loads(response["body"]) == {
        "status": "SUCCEEDED",
        "output": {"value": 20, "greeting": "hello", "function": "DoubleFunction"},
        "error": None,
    }


def test_sync_execution_reports_a_failed_workflow_with_200_and_failed(fixture_stack: LocalStack) -> None:
    response = fixture_stack.invoke("StarterFunction", {"body": json.dumps({"value": 5, "fail": True})})

    assert json.loads(response["body"]) == {"status": "FAILED", "output": None, "error": "DoublingRefused"}


def test_sync_execution_of_a_standard_state_machine_is_refused(fixture_stack: LocalStack) -> None:
    # moto has no sync- host: callers outside the functions turn host prefixes off (the functions have it off).
    stepfunctions = boto3.client("stepfunctions", config=Config(inject_host_prefix=False))

    with pytest.raises(ClientError, match="StateMachineTypeNotSupported"):
        stepfunctions.start_sync_execution(stateMachineArn=fixture_stack.physical_id("JobStateMachine"), input="{}")


def test_executions_started_without_a_name_get_distinct_names(fixture_stack: LocalStack) -> None:
    stepfunctions = boto3.client("stepfunctions")
    arn = fixture_stack.physical_id("JobStateMachine")

    first = stepfunctions.start_execution(stateMachineArn=arn, input=json.dumps({"value": 1}))
    second = stepfunctions.start_execution(stateMachineArn=arn, input=json.dumps({"value": 2}))

    assert first["executionArn"] != second["executionArn"]
    assert json.loads(run_to_end(second["executionArn"])["output"])["value"] == 4


def test_state_machine_definition_substitutions_name_the_function_arn(fixture_stack: LocalStack) -> None:
    definition = boto3.client("stepfunctions").describe_state_machine(
        stateMachineArn=fixture_stack.physical_id("DoubleStateMachine")
    )["definition"]

    assert "arn:aws:lambda:us-east-1:123456789012:function:DoubleFunction" in definition
    assert "${" not in definition


@pytest.mark.parametrize(
    "reference",
    [
        "DoubleFunction",
        "DoubleFunction:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:DoubleFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:DoubleFunction:live",
        "123456789012:function:DoubleFunction",
    ],
)
def test_function_references_resolve_to_the_function_name(reference: str) -> None:
    assert function_name(reference) == "DoubleFunction"
