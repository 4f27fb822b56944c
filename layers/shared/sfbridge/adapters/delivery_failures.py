"""Delivery failure records: which items of a queued message failed and why, where an operator will look.

Written by the outbound worker and the callout event worker each time a message fails, read by the operator
command (`sfbridge dlq show`). The key is `<queue>#<SQS message id>`: SQS keeps the message id when it moves a
message to its dead-letter queue, so the record of the last failed attempt sits beside the DLQ message. A redrive
gives the message a new id, and its next failure a new record.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.observability import logger

Queue = Literal["outbound", "events"]


@dataclass(frozen=True, slots=True)
class ItemFailure:
    item_id: str
    """The notification id, or the callout event id."""
    error_type: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    queue: Queue
    message_id: str
    reason: str
    failures: Sequence[ItemFailure]
    receive_count: int


class DeliveryFailures:
    def __init__(self, table_name: str, *, ttl_seconds: int) -> None:
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds

    def record(self, failure: DeliveryFailure) -> None:
        """Write (or overwrite) the record. Never raises: the message is retried whether or not this succeeds."""
        try:
            client("dynamodb").put_item(TableName=self._table_name, Item=self._item(failure))
        except (BotoCoreError, ClientError) as exc:
            logger.warning(
                "delivery failure record not written",
                queue=failure.queue,
                message_id=failure.message_id,
                error_type=type(exc).__name__,
            )

    def _item(self, failure: DeliveryFailure) -> dict[str, object]:
        now = time.time()
        return {
            "pk": {"S": f"{failure.queue}#{failure.message_id}"},
            "queue": {"S": failure.queue},
            "message_id": {"S": failure.message_id},
            "reason": {"S": _one_line(failure.reason)},
            "failures": {
                "L": [
                    {
                        "M": {
                            "item_id": {"S": item.item_id},
                            "error_type": {"S": item.error_type},
                            "reason": {"S": _one_line(item.reason)},
                        }
                    }
                    for item in failure.failures
                ]
            },
            "receive_count": {"N": str(failure.receive_count)},
            "recorded_at": {"S": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            "expires_at": {"N": str(int(now) + self._ttl_seconds)},
        }


def _one_line(text: str, limit: int = 1000) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
