"""Integration fixtures: the template's resources in moto, created from template.yaml by the provisioner."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localrun.moto_fixes import disable_moto_fixes, enable_moto_fixes
from localrun.stack import LocalStack
from tests.support import TEMPLATE, UNAUTHENTICATED
from tests.support_aws import Hooks, hooks, refuse_put_events_over_quota
from tests.support_faults import Faults, no_retry_delay


@dataclass
class BusTap:
    """A queue that receives a copy of every event on the project's bus, as a user could set up to watch it."""

    sqs: Any
    queue_url: str

    def events(self) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return seen


@pytest.fixture
def aws_hooks() -> Iterator[Hooks]:
    """Hooks on sfbridge's own clients; EventBridge's entry quota, which moto does not enforce, is always on."""
    with hooks() as registered:
        registered.before_call("events", "PutEvents", refuse_put_events_over_quota)
        yield registered


@pytest.fixture
def aws(aws_hooks: Hooks) -> Iterator[None]:
    enable_moto_fixes()  # the moto `make run` has
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
    disable_moto_fixes()


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {}


@pytest.fixture
def stack(aws: None, stack_overrides: dict[str, str]) -> LocalStack:
    return LocalStack.deploy(str(TEMPLATE), overrides={**UNAUTHENTICATED, **stack_overrides})


@pytest.fixture
def bus_tap(stack: LocalStack) -> BusTap:
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="test-bus-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.physical_id("EventBus")
    events.put_rule(Name="test-bus-tap", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="test-bus-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": queue_arn}])
    return BusTap(sqs, queue_url)


@pytest.fixture
def faults() -> Iterator[Faults]:
    """Faults on the functions' live clients, with retries that do not wait; all removed after the test."""
    injected = Faults()
    with no_retry_delay():
        yield injected
    injected.clear()
