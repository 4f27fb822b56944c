"""The `sfbridge` command against moto: the template's resources created from template.yaml, the stack's Outputs
in a CloudFormation stack record (as `make run` writes it), and SQS message move tasks added to moto."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner, Result

from localrun.outputs import resolved_outputs
from localrun.sqs_moves import enable_message_move_tasks, forget_message_move_tasks
from localrun.stack import LocalStack
from operate.cli import app
from tests.infrastructure.test_job_results_template import CONNECTION
from tests.support import TEMPLATE, UNAUTHENTICATED, load_event

STACK = "sfbridge-local"
FAILURE_TABLE = "sfbridge-local-DeliveryFailureTable"
Invoke = Callable[..., Result]


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        enable_message_move_tasks()
        yield
        forget_message_move_tasks()


@pytest.fixture
def stack(aws: None) -> LocalStack:
    deployed = LocalStack.deploy(str(TEMPLATE), overrides=UNAUTHENTICATED)
    record_stack(deployed, extra_outputs=_failure_table(deployed))
    return deployed


@pytest.fixture
def job_results_stack(aws: None) -> LocalStack:
    """The stack with job results published to Salesforce: its job results queues and their Outputs exist."""
    deployed = LocalStack.deploy(str(TEMPLATE), overrides={**UNAUTHENTICATED, **CONNECTION})
    record_stack(deployed)
    return deployed


def run_sfbridge(*args: str) -> Result:
    return CliRunner().invoke(app, ["--stack", STACK, *args], env={"COLUMNS": "250"})


def _failure_table(stack: LocalStack) -> dict[str, str]:
    """The delivery failure records table of the shared contract, where this template does not define it yet."""
    if "DeliveryFailureTableName" in resolved_outputs(stack):
        return {}
    boto3.client("dynamodb").create_table(
        TableName=FAILURE_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    return {"DeliveryFailureTableName": FAILURE_TABLE}


def record_stack(stack: LocalStack, *, name: str = STACK, extra_outputs: dict[str, str] | None = None) -> None:
    outputs: dict[str, Any] = resolved_outputs(stack)
    outputs.update({key: {"Value": value} for key, value in (extra_outputs or {}).items()})
    body = {"Resources": {}, "Outputs": outputs}
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(body))


@pytest.fixture
def sfbridge(stack: LocalStack) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, stack_name: str = STACK, input: str | None = None) -> Result:
        return runner.invoke(app, ["--stack", stack_name, *args], input=input, env={"COLUMNS": "250"})

    return invoke


def queue_depth(stack: LocalStack, logical_id: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def dead_letter(stack: LocalStack, logical_id: str, body: str) -> str:
    """A message as SQS leaves it in a dead-letter queue; returns its message id."""
    sent = boto3.client("sqs").send_message(QueueUrl=stack.physical_id(logical_id), MessageBody=body)
    return str(sent["MessageId"])


def queued_account_message() -> str:
    return str(load_event("outbound_worker/sqs-account-1")["Records"][0]["body"])


def queued_job_result() -> str:
    return str(load_event("job_results/sqs-job-failed")["Records"][0]["body"])


def queued_order_event() -> str:
    return str(load_event("callout_event_worker/sqs-order-placed")["Records"][0]["body"])


@pytest.fixture
def bus_events(stack: LocalStack) -> Callable[[], list[dict[str, Any]]]:
    """What has been put on the project's bus so far (through a queue subscribed to everything on it)."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="operate-bus-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.physical_id("EventBus")
    events.put_rule(Name="operate-bus-tap", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="operate-bus-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": queue_arn}])
    seen: list[dict[str, Any]] = []

    def collect() -> list[dict[str, Any]]:
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return seen

    return collect
