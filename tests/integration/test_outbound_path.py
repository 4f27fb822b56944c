"""Receiver → SQS → worker → EventBridge, on moto resources created from template.yaml."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from lxml import etree

from localrun.stack import LocalStack
from sfbridge.observability import logger
from sfbridge.soap import responses
from sfbridge.soap.parser import FORBIDDEN_CONSTRUCT
from tests.support import (
    SAMPLE_ORGANIZATION_ID,
    load_body,
    load_event,
    replace_once,
    with_body,
    with_one_notification_too_many,
    without_element,
)

RECEIVER, WORKER = "OutboundReceiverFunction", "OutboundWorkerFunction"
FAULT_CODE = (
    "{http://schemas.xmlsoap.org/soap/envelope/}Body/{http://schemas.xmlsoap.org/soap/envelope/}Fault/faultcode"
)
ACCOUNT_EVENT = load_event("outbound_receiver/account-1")
ACCOUNT = load_body("outbound_receiver/account-1")


def _post(stack: LocalStack, body: bytes) -> dict[str, Any]:
    return stack.invoke(RECEIVER, with_body(ACCOUNT_EVENT, body))  # type: ignore[no-any-return]


def _fault_code(response: dict[str, Any]) -> str | None:
    return etree.fromstring(response["body"].encode()).findtext(FAULT_CODE)


def _queued_messages(stack: LocalStack, logical_id: str = "OutboundQueue") -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _account_version(notification_id: str, modstamp: str) -> bytes:
    """The Account sample as another notification carrying another version of the same record."""
    body = replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", f"<Id>{notification_id}</Id>".encode())
    return replace_once(body, b"2026-11-23T09:20:01.000Z", modstamp.encode())


def test_outbound_message_is_acked_stored_and_published_per_notification(stack, bus_tap):
    response = stack.invoke(RECEIVER, load_event("outbound_receiver/opportunity-3"))
    stack.drain()

    assert response["statusCode"] == 200
    assert response["body"].encode() == responses.ACK
    events = bus_tap.events()
    assert sorted(event["detail"]["notificationId"] for event in events) == [
        "04l5g0000000000AAA",
        "04l5g0000000001AAA",
        "04l5g0000000002AAA",
    ]
    first = next(event for event in events if event["detail"]["notificationId"] == "04l5g0000000000AAA")
    assert first["source"] == "sfbridge.outbound-message"
    assert first["detail-type"] == "Opportunity"
    assert first["detail"]["organizationId"] == SAMPLE_ORGANIZATION_ID
    assert first["detail"]["recordId"] == "0065g0000000000AAA"
    assert first["detail"]["fields"]["StageName"] == "Negotiation/Review"
    assert first["detail"]["fields"]["NextStep"] is None


def test_redelivered_message_is_acked_again_but_processed_once(stack, bus_tap):
    first = stack.invoke(RECEIVER, ACCOUNT_EVENT)
    stack.drain()
    again = stack.invoke(RECEIVER, ACCOUNT_EVENT)
    stack.drain()

    assert first["statusCode"] == again["statusCode"] == 200
    assert [event["detail"]["notificationId"] for event in bus_tap.events()] == ["04l5g0000000500AAA"]


def test_older_version_arriving_after_a_newer_one_is_skipped(stack, bus_tap):
    _post(stack, _account_version("04l5g0000000601AAA", "2026-11-23T10:00:00.000Z"))
    stack.drain()
    _post(stack, _account_version("04l5g0000000600AAA", "2026-11-23T09:00:00.000Z"))
    stack.drain()
    _post(stack, _account_version("04l5g0000000602AAA", "2026-11-23T11:00:00.000Z"))
    stack.drain()

    published = [event["detail"]["notificationId"] for event in bus_tap.events()]
    assert published == ["04l5g0000000601AAA", "04l5g0000000602AAA"]


def _delivery_lags(out: str) -> list[float]:
    """The `DeliveryLagMilliseconds` values in the EMF lines Powertools printed."""
    metrics = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    return [value for entry in metrics for value in entry.get("DeliveryLagMilliseconds", [])]


def test_delivery_lag_is_measured_per_applied_notification_from_the_receivers_acceptance(stack, bus_tap, capsys):
    stack.invoke(RECEIVER, load_event("outbound_receiver/opportunity-3"))
    stack.drain()

    lags = _delivery_lags(capsys.readouterr().out)
    assert len(lags) == 3
    assert all(0 <= lag < 60_000 for lag in lags)


def test_delivery_lag_counts_the_time_a_message_waited_in_the_queue(stack, bus_tap, capsys):
    record = load_event("outbound_worker/sqs-account-1")["Records"][0]
    body = json.loads(record["body"])
    body["received_at"] = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()

    stack.invoke(WORKER, {"Records": [{**record, "body": json.dumps(body)}]})

    (lag,) = _delivery_lags(capsys.readouterr().out)
    assert 300_000 <= lag < 360_000
    assert [event["detail"]["notificationId"] for event in bus_tap.events()] == ["04l5g0000000500AAA"]


def test_a_redelivered_message_adds_no_delivery_lag(stack, bus_tap, capsys):
    stack.invoke(RECEIVER, ACCOUNT_EVENT)
    stack.drain()
    capsys.readouterr()
    stack.invoke(RECEIVER, ACCOUNT_EVENT)
    stack.drain()

    assert _delivery_lags(capsys.readouterr().out) == []


def test_id_only_notification_is_published_with_its_id_only(stack, bus_tap):
    stack.invoke(RECEIVER, load_event("outbound_receiver/opportunity-3"))
    stack.drain()

    id_only = next(e for e in bus_tap.events() if e["detail"]["notificationId"] == "04l5g0000000002AAA")
    assert id_only["detail"]["fields"] == {"Id": "0065g0000000002AAA"}


def test_value_a_typed_model_would_refuse_is_still_published_as_sent(stack, bus_tap):
    body = replace_once(
        load_body("outbound_receiver/opportunity-3"), b"<sf:Amount>25000.0</sf:Amount>", b"<sf:Amount/>"
    )

    _post(stack, body)
    stack.drain()

    first = next(e for e in bus_tap.events() if e["detail"]["notificationId"] == "04l5g0000000000AAA")
    assert first["detail"]["fields"]["Amount"] == ""


def test_message_too_big_for_the_queue_travels_through_an_s3_claim_check(stack, bus_tap):
    batch = load_body("outbound_receiver/batch-100")
    padding = b"<sf:Description>" + "Ü".encode() * 1500 + b"</sf:Description>"
    big = batch.replace(b"<sf:Region__c>", padding + b"<sf:Region__c>")

    response = _post(stack, big)
    stored = _claim_checks(stack)
    stack.drain()

    assert response["statusCode"] == 200
    assert len(stored) == 1
    assert stored[0].startswith("outbound-messages/")
    events = bus_tap.events()
    assert len(events) == 100
    assert events[0]["detail"]["fields"]["Description"] == "Ü" * 1500


def test_claim_check_is_deleted_once_its_message_is_applied(stack, bus_tap):
    big = load_body("outbound_receiver/batch-100").replace(
        b"<sf:Region__c>", b"<sf:Note>" + b"x" * 3000 + b"</sf:Note><sf:Region__c>"
    )
    _post(stack, big)
    assert len(_claim_checks(stack)) == 1

    stack.drain()

    assert len(bus_tap.events()) == 100
    assert _claim_checks(stack) == []


def _claim_checks(stack: LocalStack) -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=stack.physical_id("ClaimCheckBucket"), Prefix="outbound-")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_session_id_never_reaches_logs_queue_or_events(stack, bus_tap, log_output):
    secret = "00DKb00000AbCdE!AQ4AQFakeSessionSecretValue"
    body = replace_once(ACCOUNT, b'<SessionId xsi:nil="true"/>', f"<SessionId>{secret}</SessionId>".encode())
    sqs = boto3.client("sqs")

    response = _post(stack, body)
    queued = sqs.receive_message(QueueUrl=stack.physical_id("OutboundQueue"), VisibilityTimeout=0)["Messages"]
    stack.drain()

    assert response["statusCode"] == 200
    assert secret not in queued[0]["Body"]
    assert secret not in json.dumps(bus_tap.events())
    assert '"notification applied"' in log_output.getvalue()
    assert secret not in log_output.getvalue()


def test_worker_logs_carry_the_receivers_request_id(stack, log_output):
    event = load_event("outbound_worker/sqs-account-1")
    logger.set_correlation_id(None)  # a worker starts without the receiver's state

    stack.invoke(WORKER, event)

    applied = [json.loads(line) for line in log_output.getvalue().splitlines() if '"notification applied"' in line]
    assert [entry["correlation_id"] for entry in applied] == ["c6af9ac6-7b61-11e6-9a41-93e800000001"]


def test_poison_message_reaches_the_dead_letter_queue(stack):
    sqs = boto3.client("sqs")
    queue_url = stack.physical_id("OutboundQueue")
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=queue_url, MessageBody='{"schema_version": 1, "organization_id": "truncated')

    for _ in range(5):
        stack.poll_once()

    assert _queued_messages(stack) == 0
    assert _queued_messages(stack, "OutboundDeadLetterQueue") == 1


def test_queue_failure_answers_a_server_fault_and_stores_nothing(stack):
    boto3.client("sqs").delete_queue(QueueUrl=stack.physical_id("OutboundQueue"))

    response = stack.invoke(RECEIVER, ACCOUNT_EVENT)

    assert response["statusCode"] == 500
    assert _fault_code(response) == "soapenv:Server"
    assert "Ack" not in response["body"]


def test_claim_check_failure_answers_a_server_fault_and_enqueues_nothing(stack):
    s3 = boto3.client("s3")
    s3.delete_bucket(Bucket=stack.physical_id("ClaimCheckBucket"))
    big = load_body("outbound_receiver/batch-100").replace(
        b"<sf:Region__c>", b"<sf:Note>" + b"x" * 3000 + b"</sf:Note><sf:Region__c>"
    )

    response = _post(stack, big)

    assert _fault_code(response) == "soapenv:Server"
    assert _queued_messages(stack) == 0


BAD_INPUTS = {
    "malformed": (ACCOUNT.replace(b"</sObject>", b""), "not well-formed"),
    "truncated": (ACCOUNT[:700], "not well-formed"),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + ACCOUNT[39:],
        FORBIDDEN_CONSTRUCT,
    ),
    "external-dtd": (b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>', FORBIDDEN_CONSTRUCT),
    "soap12": (
        ACCOUNT.replace(b"http://schemas.xmlsoap.org/soap/envelope/", b"http://www.w3.org/2003/05/soap-envelope"),
        "SOAP 1.2 envelope",
    ),
    "wrong-namespace": (
        ACCOUNT.replace(b"http://soap.sforce.com/2005/09/outbound", b"urn:example:outbound"),
        "expected {http://soap.sforce.com/2005/09/outbound}notifications",
    ),
    "no-organization": (
        replace_once(ACCOUNT, b"<OrganizationId>00DKb00000AbCdEMAV</OrganizationId>", b""),
        "no OrganizationId",
    ),
    "no-notifications": (
        without_element(ACCOUNT, b"<Notification>", b"</Notification>"),
        "no Notification element",
    ),
    "unknown-organization": (
        replace_once(ACCOUNT, b"00DKb00000AbCdEMAV</Org", b"00D5g0000000001EAA</Org"),
        "00D5g0000000001EAA is not in AllowedOrganizationIds",
    ),
    "empty": (b"", "body is empty"),
    "json": (b'{"OrganizationId": "00DKb00000AbCdEMAV"}', "not well-formed"),
    "invalid-utf8": (ACCOUNT.replace("Kraków".encode(), "Krak\xf3w".encode("latin-1")), "not valid UTF-8"),
    "oversized": (ACCOUNT + b" " * (3 * 1024 * 1024), "the limit is 3145728 bytes"),
    "too-many-notifications": (with_one_notification_too_many(), "101 Notification elements"),
    # The four cases a fuzz run found acked and then refused by the worker (issue 13).
    "nil-notification-id": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b'<Id xsi:nil="true">04l5g0000000500AAA</Id>'),
        "Notification 1 has no Id (xsi:nil)",
    ),
    "id-split-by-an-element": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0<b/>000000500AAA</Id>"),
        "Notification 1: Id holds an element",
    ),
    "notification-id-of-256-kib": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l" + b"A" * 262_144 + b"</Id>"),
        "Notification 1: Id is not a Salesforce ID",
    ),
    "bom-then-latin1-declaration": (
        b"\xef\xbb\xbf" + ACCOUNT.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1),
        "XML declaration names encoding 'ISO-8859-1'",
    ),
}


@pytest.mark.parametrize(("body", "reason"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gets_a_client_fault_naming_the_problem_and_stores_nothing(stack, bus_tap, body, reason):
    response = _post(stack, body)
    stack.drain()

    assert response["statusCode"] == 500
    assert response["headers"]["Content-Type"].startswith("text/xml")
    assert _fault_code(response) == "soapenv:Client"
    assert reason in etree.fromstring(response["body"].encode()).findtext(
        FAULT_CODE.replace("faultcode", "faultstring")
    )
    assert _queued_messages(stack) == 0
    assert bus_tap.events() == []


def test_body_flagged_base64_that_does_not_decode_gets_a_client_fault(stack):
    response = stack.invoke(RECEIVER, {**ACCOUNT_EVENT, "body": "%%% not base64 %%%", "isBase64Encoded": True})

    assert _fault_code(response) == "soapenv:Client"


def test_plain_text_body_is_accepted_like_a_base64_one(stack):
    event = {**ACCOUNT_EVENT, "body": ACCOUNT.decode(), "isBase64Encoded": False}

    assert stack.invoke(RECEIVER, event)["statusCode"] == 200


class TestEndpointToken:
    TOKEN = "k3y-for-tests-0123456789abcdef"

    @pytest.fixture
    def stack_overrides(self) -> dict[str, str]:
        return {"EndpointToken": self.TOKEN}

    @pytest.mark.parametrize("query", [None, {"token": "wrong-token-0123456789abcdefgh"}])
    def test_missing_or_wrong_token_is_refused_and_stores_nothing(self, stack, query):
        response = stack.invoke(RECEIVER, {**ACCOUNT_EVENT, "queryStringParameters": query})

        assert _fault_code(response) == "soapenv:Client"
        assert _queued_messages(stack) == 0

    def test_matching_token_is_accepted(self, stack):
        response = stack.invoke(RECEIVER, {**ACCOUNT_EVENT, "queryStringParameters": {"token": self.TOKEN}})

        assert response["statusCode"] == 200
        assert _queued_messages(stack) == 1


class TestFifteenCharacterAllowlist:
    @pytest.fixture
    def stack_overrides(self) -> dict[str, str]:
        return {"AllowedOrganizationIds": "00D000000000001,00DKb00000AbCdE"}

    def test_18_character_organization_id_matches_a_15_character_entry(self, stack):
        assert stack.invoke(RECEIVER, ACCOUNT_EVENT)["statusCode"] == 200


def test_sample_events_decode_to_the_sample_bodies():
    event = load_event("outbound_receiver/account-1")

    assert base64.b64decode(event["body"]) == ACCOUNT
