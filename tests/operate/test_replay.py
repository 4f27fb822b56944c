"""`sfbridge replay`: archived Outbound Messages through the queue again, through idempotency unless --force."""

import json

import boto3
import pytest

from tests.operate.conftest import queue_depth
from tests.support import SAMPLE_ORGANIZATION_ID_15, load_body, load_event, with_body

WORKER = "OutboundWorkerFunction"
WINDOW = ["--since", "2026-11-25", "--until", "2026-11-26"]
ACCOUNT_NOTIFICATION = "04l5g0000000500AAA"


@pytest.fixture
def applied(stack, bus_events):
    """The Account and Opportunity samples, applied once (and so archived) by the worker."""
    stack.invoke(WORKER, load_event("outbound_worker/sqs-account-1"))
    stack.invoke(WORKER, load_event("outbound_worker/sqs-opportunity-3"))
    first = list(bus_events())
    assert len(first) == 4
    return first


def _queued_bodies(stack) -> list[dict]:
    messages = boto3.client("sqs").receive_message(
        QueueUrl=stack.physical_id("OutboundQueue"), MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


def test_replay_goes_through_idempotency_by_default(stack, sfbridge, bus_events, applied):
    result = sfbridge("replay", *WINDOW, "--yes")
    stack.drain()

    assert result.exit_code == 0, result.output
    assert "2 message(s), 4 notification(s)" in result.output
    assert "enqueued 2 of 2 message(s)" in result.output
    assert len(bus_events()) == 4  # nothing applied twice


def test_replay_re_enqueues_the_envelope_with_its_original_identity(stack, sfbridge, applied):
    sfbridge("replay", *WINDOW, "--object", "Account", "--yes")

    [queued] = _queued_bodies(stack)
    original = json.loads(load_event("outbound_worker/sqs-account-1")["Records"][0]["body"])
    assert queued["envelope"] == original["envelope"]
    assert queued["request_id"] == original["request_id"]
    assert queued["notification_ids"] == [ACCOUNT_NOTIFICATION]
    assert "replay" not in queued


def test_forced_replay_applies_again_and_marks_the_events(stack, sfbridge, bus_events, applied):
    result = sfbridge("replay", *WINDOW, "--object", "Account", "--force", "--yes")
    stack.drain()

    assert result.exit_code == 0, result.output
    replayed = bus_events()[len(applied) :]
    assert [event["detail"]["notificationId"] for event in replayed] == [ACCOUNT_NOTIFICATION]
    assert replayed[0]["detail"]["replay"] is True
    assert all(event["detail"]["replay"] is False for event in applied)


def test_dry_run_shows_the_plan_and_enqueues_nothing(stack, sfbridge, applied):
    result = sfbridge("replay", *WINDOW, "--dry-run")

    assert result.exit_code == 0
    assert "Account" in result.output
    assert "Opportunity" in result.output
    assert "dry run: nothing enqueued" in result.output
    assert queue_depth(stack, "OutboundQueue") == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--org", SAMPLE_ORGANIZATION_ID_15], 2),
        (["--org", "00D000000000001"], 0),
        (["--object", "Opportunity"], 1),
        (["--notification-id", ACCOUNT_NOTIFICATION], 1),
        (["--since", "2026-11-26", "--until", "2026-11-27"], 0),
    ],
)
def test_filters_select_what_is_replayed(stack, sfbridge, applied, filters, expected):
    window = [] if "--since" in filters else WINDOW

    result = sfbridge("replay", *window, *filters, "--yes")

    assert result.exit_code == 0, result.output
    assert queue_depth(stack, "OutboundQueue") == expected


def test_the_operator_is_asked_before_anything_is_enqueued(stack, sfbridge, applied):
    result = sfbridge("replay", *WINDOW, input="n\n")

    assert result.exit_code == 1
    assert "Enqueue 2 message(s)?" in result.output
    assert queue_depth(stack, "OutboundQueue") == 0


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--since", "last tuesday"], "is neither an ISO 8601 date or time nor an age"),
        (["--since", "2026-11-26", "--until", "2026-11-25"], "--since must be before --until"),
        (["--since", "2d", "--org", "00DKb00000AbCdEXXX"], "--org: "),
        (["--since", "2d", "--org", "not-an-id"], "is not a 15- or 18-character Salesforce ID"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_enqueued(stack, sfbridge, applied, arguments, complaint):
    result = sfbridge("replay", *arguments, "--yes")

    assert result.exit_code == 2
    assert complaint in result.output
    assert queue_depth(stack, "OutboundQueue") == 0


def test_salesforces_redeliveries_of_one_message_are_replayed_once(stack, sfbridge, applied):
    event = load_event("outbound_worker/sqs-account-1")
    record = event["Records"][0]
    body = json.loads(record["body"])
    redelivered = {**body, "request_id": "c6af9ac6-7b61-11e6-9a41-93e800000099", "received_at": "2026-11-25T11:15:30Z"}
    stack.invoke(WORKER, {"Records": [{**record, "messageId": "another", "body": json.dumps(redelivered)}]})

    result = sfbridge("replay", *WINDOW, "--object", "Account", "--yes")

    assert "1 redelivery(ies) of the same envelope left out" in result.output
    assert queue_depth(stack, "OutboundQueue") == 1


def test_a_message_too_big_for_the_queue_is_replayed_through_a_claim_check(stack, sfbridge, bus_events):
    batch = load_body("outbound_receiver/batch-100")
    padding = b"<sf:Description>" + "Ü".encode() * 1500 + b"</sf:Description>"
    stack.invoke(
        "OutboundReceiverFunction",
        with_body(
            load_event("outbound_receiver/account-1"), batch.replace(b"<sf:Region__c>", padding + b"<sf:Region__c>")
        ),
    )
    stack.drain()
    assert len(bus_events()) == 100

    result = sfbridge("replay", "--since", "10m", "--force", "--yes")
    stack.drain()

    claim_checks = boto3.client("s3").list_objects_v2(Bucket=stack.physical_id("ClaimCheckBucket"))["Contents"]
    assert result.exit_code == 0, result.output
    assert [item["Key"].rpartition("/")[2].startswith("replay-") for item in claim_checks].count(True) == 1
    replayed = bus_events()[100:]
    assert len(replayed) == 100
    assert all(event["detail"]["replay"] is True for event in replayed)
    assert replayed[0]["detail"]["fields"]["Description"] == "Ü" * 1500
