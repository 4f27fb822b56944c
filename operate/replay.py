"""`sfbridge replay`: send archived Outbound Messages through the outbound queue again.

By default a replayed message is a delivery like any other: idempotency lets through only notifications that never
took effect. `--force` sets `replay` on the queued message: the worker applies every notification again (the
staleness guard still holds: an older version than the one applied stays skipped) and its events carry
`detail.replay = true`. The message keeps its original receive time and request id, so its archive key is the same.
Each message is enqueued whole or not at all; an interrupted replay has enqueued a prefix of the plan.
"""

import hashlib
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from operate.stack import OperateError, Stack
from sfbridge.adapters.archive import STAMP_FORMAT
from sfbridge.domain.ids import to_18
from sfbridge.exceptions import InvalidSalesforceId, SfbridgeError
from sfbridge.models.outbound import QueuedOutboundMessage
from sfbridge.soap.outbound import parse_outbound_message

MAX_QUEUE_MESSAGE_BYTES: Final = 262_144
_RELATIVE = re.compile(r"(\d+)([mhd])")
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days"}
_KEY = re.compile(r"^org=([^/]+)/type=([^/]+)/date=(\d{4}-\d{2}-\d{2})/(\d{8}T\d{6}\.\d{6}Z)-[^/]+\.xml$")


@dataclass(frozen=True)
class Selection:
    since: datetime
    until: datetime
    organization_id: str | None = None
    sobject_type: str | None = None
    notification_id: str | None = None


@dataclass(frozen=True)
class ArchivedMessage:
    key: str
    organization_id: str
    sobject_type: str
    received_at: datetime
    notification_ids: list[str]
    queued: QueuedOutboundMessage


def parse_moment(text: str, *, now: datetime) -> datetime:
    """`2026-11-30`, `2026-11-30T08:00:00Z` (UTC unless an offset is given), or `90m`, `6h`, `2d` ago."""
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise OperateError(f"{text!r} is neither an ISO 8601 date or time nor an age like 90m, 6h or 2d") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def organization(text: str) -> str:
    try:
        return to_18(text)
    except InvalidSalesforceId as exc:
        raise OperateError(f"--org: {exc}") from exc


def select(stack: Stack, selection: Selection) -> tuple[list[ArchivedMessage], int]:
    """The archived messages received in [since, until) that match, oldest first, and how many were left out as
    redeliveries: Salesforce may deliver one message several times, and each accepted delivery is archived."""
    if selection.since >= selection.until:
        raise OperateError("--since must be before --until")
    bucket = stack.output("ArchiveBucketName")
    s3 = stack.client("s3")
    found = [
        message
        for key in _keys(s3, bucket, selection)
        if (message := _read(s3, bucket, key)) is not None
        and (selection.notification_id is None or selection.notification_id in message.notification_ids)
    ]
    found.sort(key=lambda message: (message.received_at, message.key))
    distinct: dict[str, ArchivedMessage] = {}
    for message in found:
        distinct.setdefault(hashlib.sha256((message.queued.envelope or "").encode()).hexdigest(), message)
    return list(distinct.values()), len(found) - len(distinct)


def summarize(messages: list[ArchivedMessage]) -> list[tuple[str, str, str, int, int]]:
    """(organization, type, day, messages, notifications) per partition, for the plan shown before replaying."""
    messages_per = Counter((m.organization_id, m.sobject_type, f"{m.received_at:%Y-%m-%d}") for m in messages)
    notifications_per: Counter[tuple[str, str, str]] = Counter()
    for m in messages:
        notifications_per[(m.organization_id, m.sobject_type, f"{m.received_at:%Y-%m-%d}")] += len(m.notification_ids)
    return [(*partition, count, notifications_per[partition]) for partition, count in sorted(messages_per.items())]


def enqueue(
    stack: Stack,
    messages: list[ArchivedMessage],
    *,
    force: bool,
    advance: Callable[[ArchivedMessage], None],
    stop: threading.Event,
) -> int:
    """Send each message to the outbound queue; returns how many were sent (fewer when `stop` was set)."""
    queue_url = stack.output("OutboundQueueUrl")
    sent = 0
    for message in messages:
        if stop.is_set():
            break
        queued = message.queued.model_copy(update={"replay": True if force else None})
        _send(stack, queue_url, queued)
        sent += 1
        advance(message)
    return sent


def _send(stack: Stack, queue_url: str, queued: QueuedOutboundMessage) -> None:
    """As the receiver stores it: inline, or through a claim check when too big for the queue."""
    body = queued.model_dump_json(exclude_none=True)
    if len(body.encode()) > MAX_QUEUE_MESSAGE_BYTES:
        key = f"outbound-messages/{queued.organization_id}/{queued.received_at:%Y/%m/%d}/replay-{uuid.uuid4()}.xml"
        stack.client("s3").put_object(
            Bucket=stack.output("ClaimCheckBucketName"),
            Key=key,
            Body=(queued.envelope or "").encode(),
            ContentType="text/xml; charset=utf-8",
        )
        body = queued.model_copy(update={"envelope": None, "envelope_s3_key": key}).model_dump_json(exclude_none=True)
    stack.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)


def _keys(s3: Any, bucket: str, selection: Selection) -> Iterator[str]:
    since_stamp, until_stamp = selection.since.strftime(STAMP_FORMAT), selection.until.strftime(STAMP_FORMAT)
    organizations = (
        [f"org={selection.organization_id}/"] if selection.organization_id else _folders(s3, bucket, "", "org=")
    )
    for org_prefix in organizations:
        types = (
            [f"{org_prefix}type={selection.sobject_type}/"]
            if selection.sobject_type
            else _folders(s3, bucket, org_prefix, "type=")
        )
        for type_prefix in types:
            for day in _days(selection.since, selection.until):
                for key in _objects(s3, bucket, f"{type_prefix}date={day:%Y-%m-%d}/"):
                    match = _KEY.match(key)
                    if match and since_stamp <= match.group(4) < until_stamp:
                        yield key


def _folders(s3: Any, bucket: str, prefix: str, kind: str) -> list[str]:
    folders: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + kind, Delimiter="/"):
        folders.extend(common["Prefix"] for common in page.get("CommonPrefixes", []))
    return folders


def _objects(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield str(item["Key"])


def _days(since: datetime, until: datetime) -> Iterator[date]:
    day = since.date()
    while day <= until.date():
        yield day
        day += timedelta(days=1)


def _read(s3: Any, bucket: str, key: str) -> ArchivedMessage | None:
    match = _KEY.match(key)
    assert match is not None
    response = s3.get_object(Bucket=bucket, Key=key)
    envelope = response["Body"].read()
    metadata = response.get("Metadata", {})
    try:
        parsed = parse_outbound_message(envelope)
    except SfbridgeError:
        return None  # not an envelope the worker could read: replaying it would only fail again
    notification_ids = [notification.notification_id for notification in parsed.notifications]
    received_at = datetime.strptime(match.group(4), STAMP_FORMAT).replace(tzinfo=UTC)
    queued = QueuedOutboundMessage(
        organization_id=parsed.organization_id,
        action_id=parsed.action_id,
        notification_ids=notification_ids,
        received_at=datetime.fromisoformat(metadata["received-at"]) if "received-at" in metadata else received_at,
        request_id=metadata.get("request-id") or None,
        envelope=envelope.decode(),
    )
    return ArchivedMessage(key, match.group(1), match.group(2), received_at, notification_ids, queued)
