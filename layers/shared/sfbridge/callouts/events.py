"""`POST /events/{type}`: the validated event goes to SQS, and the caller gets its id (202) at once."""

from typing import Final

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from sfbridge.adapters.event_bus import ENTRY_QUOTA_BYTES, detail_entry_size
from sfbridge.adapters.event_queue import CalloutEventQueue
from sfbridge.callouts.event_worker import EVENT_SOURCE, callout_event_detail
from sfbridge.callouts.registry import EventType
from sfbridge.exceptions import PayloadTooLarge
from sfbridge.models.callouts import CalloutAnswer, EventAccepted, QueuedCalloutEvent
from sfbridge.observability import logger, metrics

QUEUE_MESSAGE_LIMIT: Final = 262_144
"""256 KiB: the most a classic Amazon SQS message may hold."""


def accept_event(
    event_type: EventType, payload: BaseModel, *, event_id: str, request_id: str, queue: CalloutEventQueue
) -> CalloutAnswer:
    """Enqueue the event as `event_id`; it is accepted only once SQS has it (`StoreUnavailable` otherwise).

    `event_id` comes from `sfbridge.domain.event_ids`: a retry with the same Idempotency-Key enqueues the same id,
    which the event worker delivers once.
    """
    queued = QueuedCalloutEvent(
        id=event_id,
        type=event_type.name,
        payload=payload.model_dump(mode="json", by_alias=True),
        request_id=request_id,
    )
    body = queued.model_dump_json(by_alias=True)
    _check_size(queued, body)
    message_id = queue.enqueue(body, queued)
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=1)
    logger.info("event accepted", event_type=event_type.name, event_id=queued.id, queue_message_id=message_id)
    return CalloutAnswer(status=202, body=EventAccepted(id=queued.id).model_dump(by_alias=True))


def _check_size(queued: QueuedCalloutEvent, body: str) -> None:
    """Refuse now what SQS or EventBridge would refuse later, measured on exactly what each is sent."""
    detail = callout_event_detail(id=queued.id, type=queued.type, payload=queued.payload, request_id=queued.request_id)
    entry = detail_entry_size(source=EVENT_SOURCE, detail_type=queued.type, detail=detail)
    if entry > ENTRY_QUOTA_BYTES:
        raise PayloadTooLarge(
            f"the event would be {entry} bytes; Amazon EventBridge accepts entries of at most {ENTRY_QUOTA_BYTES}"
            " bytes (256 KB, counted as UTF-8)"
        )
    size = len(body.encode())
    if size > QUEUE_MESSAGE_LIMIT:
        raise PayloadTooLarge(
            f"the event would be {size} bytes in the queue; Amazon SQS accepts messages of at most "
            f"{QUEUE_MESSAGE_LIMIT} bytes (256 KiB)"
        )
