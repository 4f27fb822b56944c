"""The edges of the delivery promise: nothing acked is lost, and each notification takes effect once, in order.

Moto resources come from template.yaml; EventBridge's entry quota is enforced by a botocore hook (conftest), and
faults are injected on sfbridge's own clients (tests/support_aws.py).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from localrun.stack import LocalStack
from sfbridge.adapters.aws import client
from tests.support import load_body, load_event, replace_once, with_body
from tests.support_aws import Hooks, entries_of

RECEIVER = "OutboundReceiverFunction"
ACCOUNT_EVENT = load_event("outbound_receiver/account-1")
ACCOUNT = load_body("outbound_receiver/account-1")
BATCH = load_body("outbound_receiver/batch-100")
CJK = "顧客情報管理システム導入に関する備考"  # 19 characters, 3 bytes each in UTF-8


def _post(stack: LocalStack, body: bytes) -> dict[str, Any]:
    return stack.invoke(RECEIVER, with_body(ACCOUNT_EVENT, body))  # type: ignore[no-any-return]


def _cjk(length: int) -> str:
    return (CJK * (length // len(CJK) + 1))[:length]


def _account_with(description: str, **custom: str) -> bytes:
    extra = "".join(f"<sf:{name}>{value}</sf:{name}>" for name, value in custom.items())
    body = replace_once(
        ACCOUNT, b'<sf:Description xsi:nil="true"/>', f"<sf:Description>{description}</sf:Description>".encode()
    )
    return replace_once(body, b"<sf:Industry>", extra.encode() + b"<sf:Industry>")


def _fail_fast(stack: LocalStack) -> None:
    """Failed messages come back at once, so that draining walks them to the dead-letter queue."""
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=stack.physical_id("OutboundQueue"), Attributes={"VisibilityTimeout": "0"}
    )


def _dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    url = stack.physical_id("OutboundDeadLetterQueue")
    return (
        boto3.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        .get("Messages", [])
    )


def _failure_record(stack: LocalStack, message_id: str) -> dict[str, Any]:
    table = stack.physical_id("DeliveryFailureTable")
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": f"outbound#{message_id}"}})
    return item["Item"]  # type: ignore[no-any-return]


def _redrive(stack: LocalStack) -> None:
    """What a DLQ redrive does: each message goes back to its source queue as a new message."""
    sqs = boto3.client("sqs")
    for message in _dead_letters(stack):
        sqs.send_message(QueueUrl=stack.physical_id("OutboundQueue"), MessageBody=message["Body"])
        sqs.delete_message(
            QueueUrl=stack.physical_id("OutboundDeadLetterQueue"), ReceiptHandle=message["ReceiptHandle"]
        )


# ---------------------------------------------------------------- 1. events over EventBridge's entry quota


def test_account_with_a_cjk_description_is_acked_applied_and_published_whole(stack, bus_tap):
    body = _account_with(_cjk(32_000), Notes__c=_cjk(12_000))

    response = _post(stack, body)
    stack.drain()

    [event] = bus_tap.events()
    assert response["statusCode"] == 200
    assert event["detail"]["fields"]["Description"] == _cjk(32_000)
    assert event["detail"]["fields"]["Notes__c"] == _cjk(12_000)
    assert "detailOverflow" not in event["detail"]


def test_event_over_the_quota_is_published_with_its_full_detail_in_s3(stack, bus_tap):
    body = _account_with(_cjk(32_000), Notes__c=_cjk(32_000), Memo__c=_cjk(32_000))

    response = _post(stack, body)
    stack.drain()

    [event] = bus_tap.events()
    overflow = event["detail"]["detailOverflow"]
    stored = boto3.client("s3").get_object(Bucket=overflow["bucket"], Key=overflow["key"])["Body"].read()
    full = json.loads(stored.decode("utf-8"))
    assert response["statusCode"] == 200
    assert overflow["key"].startswith("oversized-events/")
    assert set(overflow["omitted"]) <= {"fields.Description", "fields.Notes__c", "fields.Memo__c"}
    assert len(overflow["omitted"]) == 1  # 3 x 96 KB: leaving out one is enough
    assert event["detail"]["notificationId"] == full["notificationId"] == "04l5g0000000500AAA"
    assert event["detail"]["fields"]["Name"] == 'Acme 500 "Holdings" AG'
    assert full["fields"]["Memo__c"] == _cjk(32_000)
    assert full["fields"]["Description"] == _cjk(32_000)


def test_the_quota_hook_refuses_what_eventbridge_refuses(stack):
    entry = {"EventBusName": stack.physical_id("EventBus"), "Source": "test", "DetailType": "x"}
    fits = {**entry, "Detail": json.dumps({"a": "x" * (262_144 - 100)})}
    over = {**entry, "Detail": json.dumps({"a": "x" * 262_144})}

    assert client("events").put_events(Entries=[fits])["FailedEntryCount"] == 0
    with pytest.raises(ClientError, match=r"ValidationException.*over the limit"):
        client("events").put_events(Entries=[over])


# ---------------------------------------------------------------- 2. one poison notification


def test_one_undeliverable_notification_does_not_hold_back_the_others(stack, bus_tap, aws_hooks: Hooks, log_output):
    _fail_fast(stack)
    poison = "04l5g0000000057AAA"

    def refuse_poison(params: dict[str, Any], **_: Any) -> Any:
        if any(poison in entry["Detail"] for entry in entries_of(params)):
            raise ClientError({"Error": {"Code": "InternalException", "Message": "injected"}}, "PutEvents")
        return None

    aws_hooks.before_call("events", "PutEvents", refuse_poison)
    _post(stack, BATCH)
    stack.drain()

    published = [event["detail"]["notificationId"] for event in bus_tap.events()]
    [dead] = _dead_letters(stack)
    record = _failure_record(stack, dead["MessageId"])
    assert len(published) == len(set(published)) == 99
    assert poison not in published
    assert [item["M"]["item_id"]["S"] for item in record["failures"]["L"]] == [poison]
    assert record["failures"]["L"][0]["M"]["error_type"]["S"] == "PublishFailed"
    assert int(record["receive_count"]["N"]) >= 3
    assert poison in log_output.getvalue()

    aws_hooks.remove_all()
    _redrive(stack)
    stack.drain()

    assert [event["detail"]["notificationId"] for event in bus_tap.events()] == [poison]


def test_an_unreadable_message_is_recorded_with_its_reason(stack):
    _fail_fast(stack)
    boto3.client("sqs").send_message(QueueUrl=stack.physical_id("OutboundQueue"), MessageBody='{"schema_version": 1')

    stack.drain()

    [dead] = _dead_letters(stack)
    assert "ValidationError" in _failure_record(stack, dead["MessageId"])["reason"]["S"]


# ---------------------------------------------------------------- 3. claim check after an ambiguous enqueue

BIG = BATCH.replace(b"<sf:Region__c>", b"<sf:Note>" + b"x" * 3000 + b"</sf:Note><sf:Region__c>")


def _claim_checks(stack: LocalStack) -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=stack.physical_id("ClaimCheckBucket"), Prefix="outbound-")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_claim_check_is_kept_when_send_message_times_out_after_sqs_stored_it(stack, bus_tap, aws_hooks: Hooks):
    aws_hooks.time_out_after_effect("sqs", "SendMessage")

    response = _post(stack, BIG)
    aws_hooks.remove_all()
    stack.drain()

    assert "soapenv:Server" in response["body"]
    assert len(bus_tap.events()) == 100  # the stored message was still applied: its claim check was there


def test_claim_check_is_deleted_when_sqs_refused_the_message(stack, aws_hooks: Hooks):
    aws_hooks.fail("sqs", "SendMessage", status=400, code="AccessDenied")

    response = _post(stack, BIG)

    assert "soapenv:Server" in response["body"]
    assert _claim_checks(stack) == []


def test_claim_check_is_kept_when_sqs_failed_with_a_server_error(stack, aws_hooks: Hooks):
    aws_hooks.fail("sqs", "SendMessage", status=500, code="InternalError")

    _post(stack, BIG)

    assert len(_claim_checks(stack)) == 1


# ---------------------------------------------------------------- 4. the retention horizon


def test_message_accepted_before_the_horizon_goes_to_the_dead_letter_queue_unapplied(stack, bus_tap):
    _fail_fast(stack)
    worker_event = load_event("outbound_worker/sqs-account-1")
    body = json.loads(worker_event["Records"][0]["body"])
    body["received_at"] = (datetime.now(UTC) - timedelta(days=14, minutes=1)).isoformat()
    boto3.client("sqs").send_message(QueueUrl=stack.physical_id("OutboundQueue"), MessageBody=json.dumps(body))

    stack.drain()

    [dead] = _dead_letters(stack)
    assert bus_tap.events() == []
    assert "RetentionHorizonDays" in _failure_record(stack, dead["MessageId"])["reason"]["S"]


# ---------------------------------------------------------------- 5 and 6. which versions guard which


def _version(notification_id: str, action_id: str, stamps: dict[str, str]) -> bytes:
    body = replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", f"<Id>{notification_id}</Id>".encode())
    body = replace_once(body, b"<ActionId>04k5g0000000001AAA</ActionId>", f"<ActionId>{action_id}</ActionId>".encode())
    body = replace_once(body, b"<sf:SystemModstamp>2026-11-23T09:20:01.000Z</sf:SystemModstamp>", b"")
    body = replace_once(body, b"<sf:LastModifiedDate>2026-11-23T09:20:00.000Z</sf:LastModifiedDate>", b"")
    stamps_xml = "".join(f"<sf:{name}>{value}</sf:{name}>" for name, value in stamps.items())
    return replace_once(body, b"<sf:Industry>", stamps_xml.encode() + b"<sf:Industry>")


def test_one_actions_stamp_never_makes_another_actions_notification_stale(stack, bus_tap):
    _post(stack, _version("04l5g0000000701AAA", "04k5g0000000001AAA", {"SystemModstamp": "2026-11-23T10:00:05.000Z"}))
    stack.drain()
    _post(stack, _version("04l5g0000000702AAA", "04k5g0000000002AAA", {"LastModifiedDate": "2026-11-23T10:00:00.000Z"}))
    stack.drain()

    published = sorted(event["detail"]["notificationId"] for event in bus_tap.events())
    assert published == ["04l5g0000000701AAA", "04l5g0000000702AAA"]


def test_events_carry_the_normalized_version_and_its_field(stack, bus_tap):
    _post(stack, _version("04l5g0000000703AAA", "04k5g0000000001AAA", {"SystemModstamp": "2026-11-23T11:00:00+01:00"}))
    stack.drain()

    [event] = bus_tap.events()
    assert event["detail"]["recordVersion"] == "2026-11-23T10:00:00.000000Z"
    assert event["detail"]["recordVersionField"] == "SystemModstamp"
    assert event["detail"]["notificationId"] == "04l5g0000000703AAA"


def test_a_version_far_in_the_future_is_ignored_and_never_makes_real_updates_stale(stack, bus_tap, log_output):
    future = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    _post(stack, _version("04l5g0000000801AAA", "04k5g0000000001AAA", {"SystemModstamp": future}))
    stack.drain()
    _post(stack, _version("04l5g0000000802AAA", "04k5g0000000001AAA", {"SystemModstamp": "2026-11-23T12:00:00.000Z"}))
    stack.drain()

    published = sorted(event["detail"]["notificationId"] for event in bus_tap.events())
    assert published == ["04l5g0000000801AAA", "04l5g0000000802AAA"]
    assert "record version in the future ignored" in log_output.getvalue()


# ---------------------------------------------------------------- batched writes


def test_a_notification_completed_meanwhile_falls_back_item_by_item_without_failing_the_others(
    stack, bus_tap, aws_hooks: Hooks, log_output
):
    table = stack.physical_id("IdempotencyTable")
    raced = "04l5g0000000001AAA"

    def complete_one_first(**_: Any) -> None:
        """Another worker completes one notification between this worker's read and its locking transaction."""
        boto3.client("dynamodb").put_item(
            TableName=table,
            Item={"id": {"S": f"outbound#00DKb00000AbCdEMAV#{raced}"}, "status": {"S": "COMPLETED"}},
        )

    aws_hooks.before_call("dynamodb", "TransactWriteItems", complete_one_first)
    _post(stack, load_body("outbound_receiver/opportunity-3"))
    stack.drain()

    published = sorted(event["detail"]["notificationId"] for event in bus_tap.events())
    assert published == ["04l5g0000000000AAA", "04l5g0000000002AAA"]
    assert "transaction cancelled: its items handled one by one" in log_output.getvalue()


def test_two_notifications_of_one_record_in_one_message_apply_in_order(stack, bus_tap):
    older = _version("04l5g0000000901AAA", "04k5g0000000001AAA", {"SystemModstamp": "2026-11-23T10:00:00.000Z"})
    newer = _version("04l5g0000000902AAA", "04k5g0000000001AAA", {"SystemModstamp": "2026-11-23T10:05:00.000Z"})
    end = older.index(b"</Notification>") + len(b"</Notification>")
    both = older[:end] + newer[newer.index(b"<Notification>") : newer.index(b"</Notification>") + 15] + older[end:]
    assert both.count(b"<Notification>") == 2

    _post(stack, both)
    stack.drain()

    events = bus_tap.events()
    assert [event["detail"]["notificationId"] for event in events] == ["04l5g0000000901AAA", "04l5g0000000902AAA"]
