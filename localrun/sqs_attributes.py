"""SQS queue attributes for moto, counted in one pass over the queue instead of three per lookup.

moto builds every attribute of a queue, its three message counts included, whenever any one attribute is read, and
it reads them often: once per `SendMessage` (content-based deduplication), and three times per message a
`ReceiveMessage` returns (its retention check). Each count walks every message in the queue and reads the clock
per message, so every send and receive got slower with every message waiting, in the queue itself or in the bus
tap's copy of a thousand events (`make bench`, `localrun_sustained_ratio`).

Here the counts come from one walk and one clock reading, and the retention check reads the retention period
alone. The attributes a client sees are the ones moto answers.
"""

import json
from typing import Any

from moto.core.utils import camelcase_to_underscores, unix_time, unix_time_millis
from moto.sqs.models import Message, Queue, SQSBackend

MOTO_ATTRIBUTES = Queue.attributes
MOTO_RETENTION_CHECK = SQSBackend.is_message_valid_based_on_retention_period
"""moto's own implementations, which the tests hold these to."""


def enable_one_pass_queue_attributes() -> None:
    """Replace them in this process (`mock_aws()` and a `ThreadedMotoServer` alike)."""
    Queue.attributes = property(queue_attributes)  # type: ignore[method-assign,assignment]
    SQSBackend.is_message_valid_based_on_retention_period = within_retention_period  # type: ignore[method-assign,assignment]


def disable_one_pass_queue_attributes() -> None:
    Queue.attributes = MOTO_ATTRIBUTES  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = MOTO_RETENTION_CHECK  # type: ignore[method-assign]


def queue_attributes(queue: Queue) -> dict[str, Any]:
    counts = message_counts(queue._messages)
    names = list(Queue.BASE_ATTRIBUTES)
    names += Queue.FIFO_ATTRIBUTES if queue.fifo_queue else []
    names += Queue.KMS_ATTRIBUTES if queue.kms_master_key_id else []  # type: ignore[attr-defined]
    result: dict[str, Any] = {
        name: counts[name] if name in counts else getattr(queue, camelcase_to_underscores(name)) for name in names
    }
    if queue.policy:
        result["Policy"] = queue.policy
    if queue.redrive_policy:
        result["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    return {name: str(value).lower() if isinstance(value, bool) else value for name, value in result.items()}


def message_counts(messages: list[Message]) -> dict[str, int]:
    """moto's three counts: visible and not delayed, in flight, delayed."""
    now = unix_time_millis()
    waiting = in_flight = delayed = 0
    for message in messages:
        visible = now > message.visible_at
        is_delayed = now < message.delayed_until
        waiting += visible and not is_delayed
        in_flight += not visible
        delayed += is_delayed
    return {
        "ApproximateNumberOfMessages": waiting,
        "ApproximateNumberOfMessagesNotVisible": in_flight,
        "ApproximateNumberOfMessagesDelayed": delayed,
    }


def within_retention_period(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    queue = backend.get_queue(queue_name)
    retention = int(queue.message_retention_period)  # type: ignore[attr-defined]  # set by moto from the attributes
    return retention + (message.sent_timestamp or 0) / 1000 > unix_time()
