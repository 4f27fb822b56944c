"""Integration fixtures: the template's resources in moto, created from template.yaml by the provisioner."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localrun.dynamodb_transactions import disable_item_level_rollback, enable_item_level_rollback
from localrun.moto_instances import disable_weak_instance_tracking, enable_weak_instance_tracking
from localrun.sqs_scans import disable_short_queue_scans, enable_short_queue_scans
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
    # As `make run` does: moto's own copy whole tables per transaction, walk whole queues per message and keep
    # every object they ever created.
    enable_item_level_rollback()
    enable_short_queue_scans()
    enable_weak_instance_tracking()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
    disable_weak_instance_tracking()
    disable_short_queue_scans()
    disable_item_level_rollback()


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
