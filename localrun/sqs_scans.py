"""SQS in moto without walking the whole queue for every message sent, received or deleted.

moto walks every message in a queue, reading the clock for each, far more often than it needs to:
- it builds every attribute of a queue, the three message counts included, whenever any one attribute is read:
  once per `SendMessage` (content-based deduplication) and three times per message a `ReceiveMessage` returns
  (its retention check);
- `ReceiveMessage` first lists every visible message, though it takes at most ten;
- `DeleteMessage` walks the queue twice to find the message its receipt handle names.
So every send, receive and delete got slower with every message waiting, in the queue itself or in the bus tap's
copy of a thousand events, and a worker that fell behind fell further behind (`make bench`,
`localrun_sustained_ratio`).

Here the counts come from one walk and one clock reading; the retention check reads the retention period alone;
`ReceiveMessage` looks at messages until it has its batch; and `DeleteMessage` stops at the message it deletes
(messages in flight are the oldest, at the front), and removes it under the lock sends take, so that a message sent
meanwhile is never lost. What a client sees is what moto answers.
"""

import json
from collections.abc import Iterator
from typing import Any

from moto.core.utils import camelcase_to_underscores, unix_time, unix_time_millis
from moto.sqs.exceptions import ReceiptHandleIsInvalid
from moto.sqs.models import Message, Queue, SQSBackend

MOTO_ATTRIBUTES = Queue.attributes
MOTO_MESSAGES = Queue.messages
MOTO_DELETE = Queue.delete_message
MOTO_RETENTION_CHECK = SQSBackend.is_message_valid_based_on_retention_period
"""moto's own implementations, which the tests hold these to."""


def enable_short_queue_scans() -> None:
    """Replace them in this process (`mock_aws()` and a `ThreadedMotoServer` alike)."""
    Queue.attributes = property(queue_attributes)  # type: ignore[method-assign,assignment]
    Queue.messages = property(VisibleMessages)  # type: ignore[method-assign,assignment]
    Queue.delete_message = delete_message  # type: ignore[method-assign,assignment]
    SQSBackend.is_message_valid_based_on_retention_period = within_retention_period  # type: ignore[method-assign,assignment]


def disable_short_queue_scans() -> None:
    Queue.attributes = MOTO_ATTRIBUTES  # type: ignore[method-assign]
    Queue.messages = MOTO_MESSAGES  # type: ignore[method-assign]
    Queue.delete_message = MOTO_DELETE  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = MOTO_RETENTION_CHECK  # type: ignore[method-assign]


class VisibleMessages:
    """The queue's visible, undelayed messages, found as they are iterated (moto's is a list of all of them)."""

    def __init__(self, queue: Queue) -> None:
        self._messages = tuple(queue._messages)  # a delete replaces the list, a send appends: iterate a copy
        self._now = unix_time_millis()

    def __iter__(self) -> Iterator[Message]:
        now = self._now
        return (message for message in self._messages if now > message.visible_at and now >= message.delayed_until)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None


def delete_message(queue: Queue, receipt_handle: str) -> None:
    if receipt_handle in queue.deleted_messages:
        return  # deleted already: SQS accepts a receipt handle twice
    # Under the lock a send appends under: moto's own builds a new list and swaps it in without it, so a message
    # sent meanwhile (the receiver's, while the worker deletes) could vanish.
    with queue._messages_lock:
        message = next((message for message in queue._messages if message.had_receipt_handle(receipt_handle)), None)
        if message is None:
            raise ReceiptHandleIsInvalid()
        queue._messages.remove(message)
    queue.pending_messages.discard(message)
    queue.deleted_messages.update(message.all_receipt_handles)  # type: ignore[arg-type]


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
        is_delayed = now < message.delayed_until  # moto's own rules, as in VisibleMessages
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
