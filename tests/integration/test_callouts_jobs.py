"""POST /jobs/account-onboarding and GET /jobs/{id}: the STANDARD state machine from template.yaml, on moto."""

import json
import time
from typing import Any

import boto3
import pytest

from localrun.stack import LocalStack
from sfbridge.domain.job_ids import encode_job_id
from tests.support import TEMPLATE, load_event
from tests.support_callouts import (
    CREDIT_CHECK,
    START_ONBOARDING,
    body_of,
    job_status_event,
    with_headers,
    with_json_body,
)

API = "CalloutApiFunction"


@pytest.fixture
def stack(aws: None) -> LocalStack:
    return LocalStack.deploy(str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": "poll"})


def _start(stack: LocalStack, event: dict[str, Any] | None = None) -> dict[str, Any]:
    return stack.invoke(API, event or load_event(START_ONBOARDING))  # type: ignore[no-any-return]


def _start_with(stack: LocalStack, **changes: object) -> str:
    event = with_json_body(load_event(START_ONBOARDING), {**body_of(START_ONBOARDING), **changes})
    return str(json.loads(_start(stack, with_headers(event, Idempotency_Key=None))["body"])["id"])


def _poll(stack: LocalStack, job_id: str, timeout: float = 10) -> dict[str, Any]:
    """GET /jobs/{id} until the job is no longer RUNNING, as the Apex client does from a Queueable."""
    deadline = time.monotonic() + timeout
    while True:
        response = stack.invoke(API, job_status_event(job_id))
        assert response["statusCode"] == 200
        job = json.loads(response["body"])
        if job["status"] != "RUNNING" or time.monotonic() > deadline:
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_started_job_is_202_with_its_location_and_runs_to_succeeded_with_output(stack):
    started = _start(stack)
    accepted = json.loads(started["body"])

    job = _poll(stack, accepted["id"])

    assert started["statusCode"] == 202
    assert accepted["status"] == "RUNNING"
    assert started["multiValueHeaders"]["Location"] == [f"/jobs/{accepted['id']}"]
    assert job["status"] == "SUCCEEDED"
    assert job["id"] == accepted["id"]
    assert job["output"]["customerNumber"] == "C-0015g0000000777AAA"
    assert job["output"]["creditLimit"] == 84000.0
    assert job["output"]["requestId"] == "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e04"
    assert "error" not in job


def test_onboarded_account_is_announced_on_the_bus(stack, bus_tap):
    _poll(stack, json.loads(_start(stack)["body"])["id"])

    [announced] = bus_tap.events()
    assert (announced["source"], announced["detail-type"]) == ("sfbridge.job", "account-onboarded")
    assert announced["detail"]["accountId"] == "0015g0000000777AAA"
    assert announced["detail"]["requestId"] == "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e04"


def test_onboarded_account_can_then_pass_a_credit_check(stack):
    _poll(stack, json.loads(_start(stack)["body"])["id"])
    body = {**body_of(CREDIT_CHECK), "accountId": "0015g0000000777AAA", "currencyIsoCode": "CHF", "amount": 20000.0}

    response = stack.invoke(API, with_json_body(load_event(CREDIT_CHECK), body))

    assert json.loads(response["body"])["decision"] == "APPROVED"


def test_job_breaking_a_billing_rule_fails_with_a_422_problem(stack):
    job = _poll(stack, _start_with(stack, billingCountry="BR"))

    assert job["status"] == "FAILED"
    assert job["error"]["status"] == 422
    assert job["error"]["type"] == "https://sfbridge.dev/problems/workflow-rejected-input"
    assert job["error"]["detail"] == "$.input.billingCountry: no billing entity in BR"
    assert "output" not in job


def test_onboarding_an_account_twice_fails_the_second_job_with_a_409_problem(stack):
    first = _poll(stack, _start_with(stack))
    second = _poll(stack, _start_with(stack))

    assert first["status"] == "SUCCEEDED"
    assert second["status"] == "FAILED"
    assert second["error"]["status"] == 409
    assert second["error"]["workflowError"] == "Conflict"


def test_retried_start_with_the_same_key_returns_the_same_job_and_starts_one_execution(stack):
    first, retry = _start(stack), _start(stack, with_headers(load_event(START_ONBOARDING), X_Request_Id="retry-1"))

    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=stack.physical_id("AccountOnboardingStateMachine")
    )["executions"]
    assert json.loads(retry["body"]) == json.loads(first["body"])
    assert retry["multiValueHeaders"]["Location"] == first["multiValueHeaders"]["Location"]
    assert len(executions) == 1


def test_job_id_of_an_execution_that_does_not_exist_is_404(stack):
    response = stack.invoke(API, job_status_event(encode_job_id("account-onboarding", "0" * 32)))

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["type"] == "https://sfbridge.dev/problems/job-not-found"


def _started_outside_the_api(stack: LocalStack, name: str, document: dict[str, Any]) -> str:
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=stack.physical_id("AccountOnboardingStateMachine"), name=name, input=json.dumps(document)
    )
    return encode_job_id("account-onboarding", name)


def test_execution_started_outside_the_api_is_a_404_problem(stack):
    document = {"requestId": "console-1", "input": body_of(START_ONBOARDING)}
    job_id = _started_outside_the_api(stack, "a" * 32, document)

    response = stack.invoke(API, job_status_event(job_id))

    assert response["statusCode"] == 404
    assert response["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
    assert json.loads(response["body"])["type"] == "https://sfbridge.dev/problems/job-not-found"


def test_execution_whose_input_names_another_job_is_a_404_problem(stack):
    someone_elses = encode_job_id("account-onboarding", "c" * 32)
    document = {"requestId": "copied-1", "input": body_of(START_ONBOARDING), "jobId": someone_elses}
    job_id = _started_outside_the_api(stack, "b" * 32, document)

    response = stack.invoke(API, job_status_event(job_id))

    assert response["statusCode"] == 404


def test_started_job_carries_its_id_in_the_execution_input(stack):
    job_id = json.loads(_start(stack)["body"])["id"]

    stepfunctions = boto3.client("stepfunctions")
    [execution] = stepfunctions.list_executions(stateMachineArn=stack.physical_id("AccountOnboardingStateMachine"))[
        "executions"
    ]
    described = stepfunctions.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"])["jobId"] == job_id
