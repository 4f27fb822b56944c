"""POST /operations/credit-check: the EXPRESS state machine from template.yaml, run synchronously on moto."""

import json
import time
from typing import Any

import boto3
import pytest

from localrun.stack import LocalStack
from sfbridge.adapters import workflows as workflow_adapter
from sfbridge.adapters.aws import client
from tests.support import TEMPLATE, load_event
from tests.support_callouts import CREDIT_CHECK, body_of, credit_exposure_items, with_headers, with_json_body
from tests.support_faults import add_latency, remove_latency

API = "CalloutApiFunction"


@pytest.fixture(params=["poll", "off"], ids=["emulated", "StartSyncExecution"])
def emulation(request: pytest.FixtureRequest) -> str:
    """`poll`: StartExecution + DescribeExecution (SYNC_EXECUTION_EMULATION); `off`: the real call, as the local
    stack serves it."""
    return str(request.param)


@pytest.fixture
def stack(aws: None) -> LocalStack:
    stack = LocalStack.deploy(str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": "poll"})
    _seed(stack)
    return stack


def _seed(stack: LocalStack) -> None:
    dynamodb = boto3.client("dynamodb")
    for item in credit_exposure_items():
        dynamodb.put_item(TableName=stack.physical_id("CreditExposureTable"), Item=item)


def _check(stack: LocalStack, **changes: object) -> tuple[int, dict, dict]:
    event = with_json_body(load_event(CREDIT_CHECK), {**body_of(CREDIT_CHECK), **changes})
    response = stack.invoke(API, with_headers(event, Idempotency_Key=None))
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def test_credit_within_the_available_credit_is_approved_by_either_sync_call(aws, emulation):
    stack = LocalStack.deploy(str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": emulation})
    _seed(stack)

    response = stack.invoke(API, load_event(CREDIT_CHECK))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "decision": "APPROVED",
        "reason": "WITHIN_AVAILABLE_CREDIT",
        "accountId": "0015g0000000500AAA",
        "amount": 48000.0,
        "currencyIsoCode": "EUR",
        "availableCredit": 130000.0,
        "requestId": "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03",
    }


@pytest.mark.parametrize(
    ("account_id", "decision", "reason"),
    [
        ("0015g0000000902AAA", "REFERRED", "WITHIN_REFERRAL_TOLERANCE"),
        ("0015g0000000901AAA", "DECLINED", "OVER_CREDIT_LIMIT"),
        ("0015g0000000903AAA", "DECLINED", "CREDIT_HOLD"),
        ("0015g0000000904AAA", "REFERRED", "CURRENCY_MISMATCH"),
        ("0015g0000000905AAA", "REFERRED", "NO_CREDIT_ACCOUNT"),
    ],
)
def test_decide_refers_or_declines_by_exposure(stack, account_id, decision, reason):
    status, result, _ = _check(stack, accountId=account_id)

    assert status == 200
    assert (result["decision"], result["reason"]) == (decision, reason)


def test_amount_just_above_the_available_credit_is_referred_not_approved(stack):
    assert _check(stack, amount=130000.01)[1]["decision"] == "REFERRED"
    assert _check(stack, amount=130000.00)[1]["decision"] == "APPROVED"


def test_rule_the_workflow_enforces_is_a_422_problem(stack):
    status, problem, headers = _check(stack, currencyIsoCode="JPY")

    assert status == 422
    assert headers["Content-Type"] == ["application/problem+json"]
    assert problem["type"] == "https://sfbridge.dev/problems/workflow-rejected-input"
    assert problem["workflowError"] == "ValidationError"
    assert problem["detail"] == "$.input.currencyIsoCode: credit is not granted in JPY (only CHF, EUR, GBP, USD)"


def test_exposure_table_that_cannot_be_read_is_caught_and_answered_502(stack):
    boto3.client("dynamodb").delete_table(TableName=stack.physical_id("CreditExposureTable"))

    status, problem, _ = _check(stack)

    assert status == 502
    assert problem["type"] == "https://sfbridge.dev/problems/workflow-failed"
    assert problem["workflowError"] == "ExposureUnavailable"
    assert "Requested resource not found" not in problem["detail"]


def test_retry_with_the_same_key_answers_the_first_decision_without_running_again(stack):
    first = stack.invoke(API, load_event(CREDIT_CHECK))
    boto3.client("dynamodb").update_item(
        TableName=stack.physical_id("CreditExposureTable"),
        Key={"accountId": {"S": "0015g0000000500AAA"}},
        UpdateExpression="SET onCreditHold = :hold",
        ExpressionAttributeValues={":hold": {"BOOL": True}},
    )

    retry = stack.invoke(API, load_event(CREDIT_CHECK))
    fresh = _check(stack)

    assert json.loads(retry["body"]) == json.loads(first["body"])
    assert retry["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]
    assert fresh[1]["decision"] == "DECLINED"
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=stack.physical_id("CreditCheckStateMachine")
    )
    assert len(executions["executions"]) == 2


def test_same_key_with_another_amount_is_409(stack):
    stack.invoke(API, load_event(CREDIT_CHECK))
    changed = with_json_body(load_event(CREDIT_CHECK), {**body_of(CREDIT_CHECK), "amount": 480000.0})

    response = stack.invoke(API, changed)

    assert response["statusCode"] == 409


def test_execution_input_carries_the_request_id(stack):
    stack.invoke(API, load_event(CREDIT_CHECK))

    stepfunctions = boto3.client("stepfunctions")
    [execution] = stepfunctions.list_executions(stateMachineArn=stack.physical_id("CreditCheckStateMachine"))[
        "executions"
    ]
    described = stepfunctions.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"])["requestId"] == "0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03"
    assert execution["name"].startswith("0b6c3b1e-7f0a-4c52-9d8e-1a2b3c4d5e03-")


def _arriving_now(event: dict[str, Any]) -> dict[str, Any]:
    """The sample request as API Gateway would hand it over right now."""
    return {**event, "requestContext": {**event["requestContext"], "requestTimeEpoch": int(time.time() * 1000)}}


@pytest.fixture
def slow_idempotency_write():
    """Each DynamoDB PutItem (the idempotency write) takes a second longer."""
    dynamodb = client("dynamodb")
    latency = add_latency(dynamodb, "PutItem", 1.0)
    yield latency
    remove_latency(dynamodb, latency)


@pytest.fixture
def sync_calls(monkeypatch) -> list[tuple[float, int]]:
    """(when, read timeout) of every StartSyncExecution client the adapter takes."""
    calls: list[tuple[float, int]] = []
    real = workflow_adapter._sync_client

    def recording(read_timeout_seconds: int) -> Any:
        calls.append((time.time(), read_timeout_seconds))
        return real(read_timeout_seconds)

    monkeypatch.setattr(workflow_adapter, "_sync_client", recording)
    return calls


def test_slow_idempotency_write_shrinks_the_workflows_time_to_what_is_left(aws, slow_idempotency_write, sync_calls):
    stack = LocalStack.deploy(
        str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": "off", "OPERATION_TIME_BUDGET_SECONDS": "5"}
    )
    _seed(stack)
    event = _arriving_now(load_event(CREDIT_CHECK))
    arrived = event["requestContext"]["requestTimeEpoch"] / 1000

    response = stack.invoke(API, event)

    [(started, read_timeout)] = sync_calls
    assert response["statusCode"] == 200
    assert read_timeout == 1  # 5 s budget, less the second of the write, less the 2 s connect timeout, floored
    assert started - arrived + workflow_adapter.SYNC_CONNECT_TIMEOUT_SECONDS + read_timeout <= 5


@pytest.mark.parametrize("emulation", ["off", "poll"])
def test_budget_spent_by_the_idempotency_write_is_a_504_problem_and_starts_nothing(
    aws, slow_idempotency_write, emulation
):
    stack = LocalStack.deploy(
        str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": emulation, "OPERATION_TIME_BUDGET_SECONDS": "3"}
    )
    _seed(stack)

    response = stack.invoke(API, _arriving_now(load_event(CREDIT_CHECK)))

    problem = json.loads(response["body"])
    assert response["statusCode"] == 504
    assert response["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
    assert problem["type"] == "https://sfbridge.dev/problems/workflow-timed-out"
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=stack.physical_id("CreditCheckStateMachine")
    )
    assert executions["executions"] == []
