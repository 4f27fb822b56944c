"""`POST /events/{type}`: the validated event goes to SQS, and the caller gets its id (202) at once."""

from typing import Final

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from sfbridge.adapters.event_queue import CalloutEventQueue
from sfbridge.callouts.registry import EventType
from sfbridge.exceptions import PayloadTooLarge
from sfbridge.models.callouts import CalloutAnswer, EventAccepted, QueuedCalloutEvent
from sfbridge.observability import logger, metrics

EVENT_SIZE_LIMIT: Final = 262_144
"""256 KiB: the most an Amazon EventBridge event (and a classic Amazon SQS message) may hold."""


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
    size = len(body.encode())
    if size > EVENT_SIZE_LIMIT:
        raise PayloadTooLarge(
            f"the event would be {size} bytes; Amazon EventBridge accepts events of at most {EVENT_SIZE_LIMIT} bytes"
            " (256 KiB)"
        )
    message_id = queue.enqueue(body, queued)
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=1)
    logger.info("event accepted", event_type=event_type.name, event_id=queued.id, queue_message_id=message_id)
    return CalloutAnswer(status=202, body=EventAccepted(id=queued.id).model_dump(by_alias=True))
