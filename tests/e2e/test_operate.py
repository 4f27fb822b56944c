"""The `sfbridge` command against `python -m localrun`, as an operator runs it: a process pointed at the local
stack with AWS_ENDPOINT_URL, finding everything from the stack's Outputs."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from sfbridge.domain.ids import to_18
from sfbridge.models.outbound import QueuedOutboundMessage
from sfbridge.soap.outbound import parse_outbound_message
from tests.e2e.conftest import BusTap, LocalRun
from tests.support import EVENTS, ROOT, replace_once

pytestmark = pytest.mark.e2e

CORPUS = EVENTS / "outbound_receiver"
STACK = "sfbridge-local"


def sfbridge(local_run: LocalRun, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "AWS_ENDPOINT_URL": local_run.moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "COLUMNS": "250",
    }
    return subprocess.run(
        [sys.executable, "-m", "operate", "--stack", STACK, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample Outbound Messages with notification ids of their own, so that no other test's deliveries count."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted(CORPUS.glob("*.xml")):
        body = path.read_bytes()
        for notification in parse_outbound_message(body).notifications:
            fresh = to_18("04l" + uuid.uuid4().hex[:12].upper())
            body = replace_once(body, f"<Id>{notification.notification_id}</Id>".encode(), f"<Id>{fresh}</Id>".encode())
        (folder / path.name).write_bytes(body)
    return folder


def corpus_notification_ids(corpus: Path) -> list[str]:
    return [
        notification.notification_id
        for path in sorted(corpus.glob("*.xml"))
        for notification in parse_outbound_message(path.read_bytes()).notifications
    ]


def applied(events: list[dict[str, Any]], notification_id: str) -> list[dict[str, Any]]:
    return [event for event in events if event["detail"].get("notificationId") == notification_id]


def test_status_of_the_local_stack_is_healthy(local_run: LocalRun) -> None:
    result = sfbridge(local_run, "status")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Queues" in result.stdout
    assert result.stdout.rstrip().endswith("healthy")


def test_simulated_salesforce_redelivering_3_times_gets_each_notification_applied_once(
    local_run: LocalRun, tap: BusTap, corpus: Path
) -> None:
    ids = corpus_notification_ids(corpus)
    messages = len(list(corpus.glob("*.xml")))

    result = sfbridge(
        local_run, "simulate", f"{local_run.api_url}/outbound-messages", "--corpus", str(corpus), "--redeliver", "3"
    )
    local_run.wait_until_idle()

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"messages {3 * messages}, requests {3 * messages}, Acks {3 * messages}" in result.stdout
    events = tap.wait_for(lambda events: all(applied(events, id_) for id_ in ids))
    assert all(len(applied(events, id_)) == 1 for id_ in ids)


def test_replay_without_force_applies_nothing_already_applied(local_run: LocalRun, tap: BusTap) -> None:
    before = len(tap.collect())

    result = sfbridge(local_run, "replay", "--since", "30m", "--object", "Opportunity", "--yes")
    local_run.wait_until_idle()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "enqueued" in result.stdout
    assert len(tap.collect()) == before


def test_forced_replay_applies_again_with_replay_marked(local_run: LocalRun, tap: BusTap, corpus: Path) -> None:
    [account] = parse_outbound_message((corpus / "account-1.xml").read_bytes()).notifications

    result = sfbridge(
        local_run, "replay", "--since", "30m", "--notification-id", account.notification_id, "--force", "--yes"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    events = tap.wait_for(
        lambda events: any(e["detail"].get("replay") for e in applied(events, account.notification_id))
    )
    [again] = [event for event in applied(events, account.notification_id) if event["detail"]["replay"]]
    assert again["detail-type"] == "Account"


def test_dead_letter_is_shown_without_being_consumed_then_redriven(local_run: LocalRun, corpus: Path) -> None:
    sqs = local_run.sqs()
    outputs = {output["OutputKey"]: output["OutputValue"] for output in local_run_outputs(local_run)}
    envelope = (corpus / "account-1.xml").read_bytes()
    message = parse_outbound_message(envelope)
    body = QueuedOutboundMessage(
        organization_id=message.organization_id,
        action_id=message.action_id,
        notification_ids=[notification.notification_id for notification in message.notifications],
        envelope=envelope.decode(),
    ).model_dump_json(exclude_none=True)
    message_id = sqs.send_message(QueueUrl=outputs["OutboundDeadLetterQueueUrl"], MessageBody=body)["MessageId"]

    shown = sfbridge(local_run, "dlq", "show", "outbound")
    degraded = sfbridge(local_run, "status")
    moved = sfbridge(local_run, "redrive", "outbound")
    local_run.wait_until_idle()

    assert message_id in shown.stdout
    assert "1 message(s) in the queue; 1 shown, none consumed" in shown.stdout
    assert degraded.returncode == 1
    assert "outbound: 1 message(s) in the dead-letter queue" in degraded.stdout
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "COMPLETED: moved 1 of 1" in moved.stdout
    depth = sqs.get_queue_attributes(
        QueueUrl=outputs["OutboundDeadLetterQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert depth == "0"
    assert sfbridge(local_run, "status").returncode == 0


def local_run_outputs(local_run: LocalRun) -> list[dict[str, str]]:
    cloudformation = boto3.client("cloudformation", endpoint_url=local_run.moto_endpoint, region_name="us-east-1")
    return list(cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"])
