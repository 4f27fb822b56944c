"""The archive: the workers keep every accepted message in S3 on first read, and a failed write never blocks them."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from localrun.stack import LocalStack
from sfbridge.adapters.aws import client
from tests.support import SAMPLE_ORGANIZATION_ID, load_body, load_event, replace_once, with_body

RECEIVER, WORKER, EVENT_WORKER = "OutboundReceiverFunction", "OutboundWorkerFunction", "CalloutEventWorkerFunction"
ACCOUNT_SQS = load_event("outbound_worker/sqs-account-1")
ORDER_SQS = load_event("callout_event_worker/sqs-order-placed")


def _archived(stack: LocalStack) -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3")
    bucket = stack.physical_id("ArchiveBucket")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def _received(event: dict[str, Any], times: int) -> dict[str, Any]:
    record = event["Records"][0]
    return {"Records": [{**record, "attributes": {**record["attributes"], "ApproximateReceiveCount": str(times)}}]}


@pytest.fixture
def unreachable_s3() -> Iterator[list[str]]:
    """Every PutObject attempt fails to connect (before moto sees it): the URL of each attempt."""
    attempts: list[str] = []

    def refuse(request: Any, **_: Any) -> None:
        attempts.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    s3 = client("s3")
    s3.meta.events.register_first("before-send.s3.PutObject", refuse)
    yield attempts
    s3.meta.events.unregister("before-send.s3.PutObject", refuse)


def test_outbound_message_is_archived_under_its_org_type_and_day(stack):
    stack.invoke(WORKER, ACCOUNT_SQS)

    [(key, archived)] = _archived(stack).items()
    assert key == (
        f"org={SAMPLE_ORGANIZATION_ID}/type=Account/date=2026-11-25/"
        "20261125T101530.123000Z-c6af9ac6-7b61-11e6-9a41-93e800000001.xml"
    )
    queued = json.loads(ACCOUNT_SQS["Records"][0]["body"])
    assert archived["Body"].read().decode() == queued["envelope"]
    assert archived["Metadata"]["action-id"] == queued["action_id"]
    assert archived["Metadata"]["received-at"] == "2026-11-25T10:15:30.123000+00:00"


def test_session_id_is_not_in_the_archive(stack):
    secret = "00DKb00000AbCdE!AQ4AQFakeSessionSecretValue"
    body = replace_once(
        load_body("outbound_receiver/account-1"),
        b'<SessionId xsi:nil="true"/>',
        f"<SessionId>{secret}</SessionId>".encode(),
    )

    stack.invoke(RECEIVER, with_body(load_event("outbound_receiver/account-1"), body))
    stack.drain()

    [archived] = _archived(stack).values()
    envelope = archived["Body"].read().decode()
    assert "<Notification>" in envelope
    assert secret not in envelope


def test_a_retried_message_is_not_archived_again(stack):
    stack.invoke(WORKER, _received(ACCOUNT_SQS, 2))

    assert _archived(stack) == {}


def test_archive_failure_is_retried_counted_and_does_not_block_processing(stack, bus_tap, unreachable_s3, capsys):
    result = stack.invoke(WORKER, ACCOUNT_SQS)

    assert result == {"batchItemFailures": []}
    assert [event["detail"]["notificationId"] for event in bus_tap.events()] == ["04l5g0000000500AAA"]
    assert len(unreachable_s3) == 4  # the first attempt and the shared client's three retries (max_attempts 3)
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [entry["ArchiveFailures"] for entry in metrics if "ArchiveFailures" in entry] == [[1.0]]
    assert _archived(stack) == {}


def test_callout_event_is_archived_under_events_type_and_day(stack):
    stack.invoke(EVENT_WORKER, ORDER_SQS)

    [(key, archived)] = _archived(stack).items()
    queued = json.loads(ORDER_SQS["Records"][0]["body"])
    day = queued["receivedAt"][:10]
    assert key.startswith(f"events/type=order-placed/date={day}/")
    assert key.endswith(f"-{queued['id']}.json")
    assert json.loads(archived["Body"].read())["payload"] == queued["payload"]
