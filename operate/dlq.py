"""`sfbridge dlq show`: what is in a dead-letter queue and why, without consuming it.

SQS has no peek: messages are received with a short visibility timeout (so that each is seen once while paging)
and made visible again at once afterwards, also when the listing is interrupted. Nothing is deleted. Why each
message failed comes from the delivery failure records the workers write (table `DeliveryFailureTableName`,
key `<queue>#<SQS message id>`: SQS keeps the message id when it moves a message to the dead-letter queue).
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from operate.stack import Stack

FAILURE_TABLE_OUTPUT: Final = "DeliveryFailureTableName"
PEEK_VISIBILITY_SECONDS: Final = 30
"""Long enough to page through a listing; every message is made visible again right after."""


@dataclass(frozen=True)
class ItemFailure:
    item_id: str
    error_type: str
    reason: str


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    sent_at: datetime
    receive_count: int
    summary: str
    reason: str | None = None
    failures: list[ItemFailure] = field(default_factory=list)


@dataclass(frozen=True)
class DeadLetterListing:
    depth: int
    letters: list[DeadLetter]
    has_failure_records: bool


def show(stack: Stack, queue: str, *, limit: int) -> DeadLetterListing:
    _, dead_letter_url = stack.queue_urls(queue)
    sqs = stack.client("sqs")
    depth = int(
        sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )
    with _peeking(sqs, dead_letter_url) as peek:
        messages = peek(limit)
    table = stack.outputs.get(FAILURE_TABLE_OUTPUT)
    records = _failure_records(stack, table, queue, [message["MessageId"] for message in messages]) if table else {}
    letters = [_dead_letter(queue, message, records.get(message["MessageId"])) for message in messages]
    return DeadLetterListing(depth, letters, table is not None)


@contextmanager
def _peeking(sqs: Any, url: str) -> Iterator[Any]:
    received: list[dict[str, Any]] = []

    def peek(limit: int) -> list[dict[str, Any]]:
        while len(received) < limit:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, limit - len(received)),
                VisibilityTimeout=PEEK_VISIBILITY_SECONDS,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            received.extend(batch)
        return received

    try:
        yield peek
    finally:
        _release(sqs, url, received)


def _release(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Visible again now: looking must not delay a redrive or hide a message from the next look."""
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
            for index, message in enumerate(messages[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _failure_records(stack: Stack, table: str, queue: str, message_ids: list[str]) -> dict[str, dict[str, Any]]:
    dynamodb = stack.client("dynamodb")
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(message_ids), 100):
        keys = [{"pk": {"S": f"{queue}#{message_id}"}} for message_id in message_ids[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys}}
        while request:
            response = dynamodb.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table, []):
                found[item["message_id"]["S"]] = item
            request = response.get("UnprocessedKeys") or {}
    return found


def _dead_letter(queue: str, message: dict[str, Any], record: dict[str, Any] | None) -> DeadLetter:
    attributes = message.get("Attributes", {})
    failures = [
        ItemFailure(
            item_id=entry["M"].get("item_id", {}).get("S", ""),
            error_type=entry["M"].get("error_type", {}).get("S", ""),
            reason=entry["M"].get("reason", {}).get("S", ""),
        )
        for entry in (record or {}).get("failures", {}).get("L", [])
    ]
    return DeadLetter(
        message_id=message["MessageId"],
        sent_at=datetime.fromtimestamp(int(attributes.get("SentTimestamp", "0")) / 1000, UTC),
        receive_count=int((record or {}).get("receive_count", {}).get("N", 0)),
        summary=_summary(queue, message["Body"]),
        reason=(record or {}).get("reason", {}).get("S"),
        failures=failures,
    )


def _summary(queue: str, body: str) -> str:
    """Who sent what, from the queued body (not the envelope: no field values are shown)."""
    try:
        queued = json.loads(body)
    except ValueError:
        return "(body is not JSON)"
    if queue == "outbound":
        ids = queued.get("notification_ids") or []
        return f"org {queued.get('organization_id')}, {len(ids)} notification(s): {', '.join(ids[:3])}" + (
            " ..." if len(ids) > 3 else ""
        )
    if queue == "job-results":  # the EventBridge event of the execution's status change
        detail = queued.get("detail") or {}
        return f"execution {detail.get('name')} {detail.get('status')}"
    return f"event {queued.get('type')} {queued.get('id')}"
