"""The archive: every accepted Outbound Message and callout event, kept in S3 for replay and for the record.

The workers write it when they first read a message, off the Ack path: the receiver's one durable write stays SQS.
A failed archive write never blocks processing: botocore retries it (the shared client's retry policy), then it is
logged and counted in `ArchiveFailures`, and the message is processed all the same.

Keys are partitioned so that one organization, object type and day list cheaply, and are derived from the message
itself (receive time and request id, or event id): a redelivery, a redrive or a replay of the same message writes
the same key again instead of a second copy.

    org=<organization id>/type=<sObject>/date=<yyyy-mm-dd>/<yyyymmddThhmmss.ffffffZ>-<request id>.xml
    events/type=<event type>/date=<yyyy-mm-dd>/<yyyymmddThhmmss.ffffffZ>-<event id>.json
"""

from datetime import UTC, datetime
from typing import Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.config import ArchiveSettings
from sfbridge.models.callouts import QueuedCalloutEvent
from sfbridge.models.outbound import OutboundMessage, QueuedOutboundMessage
from sfbridge.observability import logger, metrics

EVENTS_PREFIX: Final = "events/"
FAILURE_METRIC: Final = "ArchiveFailures"
STAMP_FORMAT: Final = "%Y%m%dT%H%M%S.%fZ"


def stamp(moment: datetime) -> str:
    """The sortable UTC time that starts every archive object's name."""
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def outbound_key(queued: QueuedOutboundMessage, sobject_type: str, message_id: str) -> str:
    received = queued.received_at.astimezone(UTC)
    name = queued.request_id or message_id
    return f"org={queued.organization_id}/type={sobject_type}/date={received:%Y-%m-%d}/{stamp(received)}-{name}.xml"


def event_key(queued: QueuedCalloutEvent) -> str:
    received = queued.received_at.astimezone(UTC)
    return f"{EVENTS_PREFIX}type={queued.type}/date={received:%Y-%m-%d}/{stamp(received)}-{queued.id}.json"


class Archive:
    """Writes archive objects to one bucket; `put_*` never raise, they count the failure instead."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def put_outbound_message(self, queued: QueuedOutboundMessage, message: OutboundMessage, message_id: str) -> None:
        """The envelope as the receiver stored it (any SessionId already blanked), with its header as metadata."""
        sobject_type = message.notifications[0].sobject_type
        metadata = {
            "organization-id": queued.organization_id,
            "action-id": queued.action_id,
            "received-at": queued.received_at.astimezone(UTC).isoformat(),
            "request-id": queued.request_id or "",
            "sqs-message-id": message_id,
        }
        key = outbound_key(queued, sobject_type, message_id)
        self._put(key, queued.envelope, "text/xml; charset=utf-8", metadata)

    def put_callout_event(self, queued: QueuedCalloutEvent) -> None:
        body = queued.model_dump_json(by_alias=True)
        self._put(event_key(queued), body, "application/json", {"event-type": queued.type, "event-id": queued.id})

    def _put(self, key: str, body: str | None, content_type: str, metadata: dict[str, str]) -> None:
        try:
            client("s3").put_object(
                Bucket=self._bucket,
                Key=key,
                Body=(body or "").encode(),
                ContentType=content_type,
                Metadata=metadata,
            )
        except (BotoCoreError, ClientError) as exc:
            metrics.add_metric(name=FAILURE_METRIC, unit=MetricUnit.Count, value=1)
            logger.warning("archive write failed; processing goes on", s3_key=key, error=type(exc).__name__)


def _archive() -> Archive | None:
    bucket = ArchiveSettings.from_env().archive_bucket
    return Archive(bucket) if bucket else None


def _first_read(record: SQSRecord) -> bool:
    # Later receives are retries of a message already archived (or counted as not archived).
    return record.attributes.approximate_receive_count == "1"


def archive_outbound_message(
    record: SQSRecord, queued: QueuedOutboundMessage, message: OutboundMessage, envelope: bytes
) -> None:
    """Archive an Outbound Message the first time a worker reads it; never raises."""
    archive = _archive()
    if archive is None or not _first_read(record):
        return
    if queued.envelope is None:  # a claim check: the worker fetched the envelope from S3
        queued = queued.model_copy(update={"envelope": envelope.decode()})
    archive.put_outbound_message(queued, message, record.message_id)


def archive_callout_event(record: SQSRecord, queued: QueuedCalloutEvent) -> None:
    """Archive a callout event the first time the event worker reads it; never raises."""
    archive = _archive()
    if archive is not None and _first_read(record):
        archive.put_callout_event(queued)
