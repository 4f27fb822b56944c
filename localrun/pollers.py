"""Lambda's SQS event source mapping, locally: receive a batch, invoke, delete what succeeded.

Failed records are left alone: they come back after the queue's visibility timeout, and the queue's redrive
policy (which moto implements) moves them to the dead-letter queue after maxReceiveCount receives.
"""

import base64
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from localrun.functions import SqsSource

log = logging.getLogger("localrun")
Invoke = Callable[[str, Any], Any]
_MAX_RECEIVE = 10
"""SQS hands out at most 10 messages per ReceiveMessage; larger BatchSizes take several receives."""


def poll_source(sqs: Any, source: SqsSource, invoke: Invoke, *, region: str, wait_seconds: int = 0) -> int:
    """One round for one event source; returns how many messages were handed to the function."""
    messages = receive_batch(sqs, source, wait_seconds=wait_seconds)
    if not messages:
        return 0
    event = {"Records": [sqs_record(message, source.queue_arn, region) for message in messages]}
    try:
        result = invoke(source.function_logical_id, event)
    except Exception:
        log.warning(
            "%s failed a batch of %d; it returns after the visibility timeout",
            source.function_logical_id,
            len(messages),
        )
        return len(messages)
    failed = failed_message_ids(result, messages) if source.report_batch_item_failures else set()
    delete_messages(sqs, source.queue_url, [message for message in messages if message["MessageId"] not in failed])
    return len(messages)


def receive_batch(sqs: Any, source: SqsSource, *, wait_seconds: int) -> list[dict[str, Any]]:
    """Up to BatchSize messages; receives again while the queue keeps handing out full receives."""
    messages: dict[str, dict[str, Any]] = {}
    while len(messages) < source.batch_size:
        wanted = min(_MAX_RECEIVE, source.batch_size - len(messages))
        received = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=wanted,
            WaitTimeSeconds=0 if messages else wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        # A queue with a zero visibility timeout may hand out the same message twice.
        messages.update((message["MessageId"], message) for message in received)
        if len(received) < wanted:
            break
    return list(messages.values())


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """The record Lambda builds from a received message (keys and casing as in Lambda's SQS event)."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def failed_message_ids(result: Any, messages: list[dict[str, Any]]) -> set[str]:
    """The records to keep, from a partial batch response. Like Lambda, a malformed response fails the batch."""
    every_id = {str(message["MessageId"]) for message in messages}
    if not isinstance(result, Mapping) or not result.get("batchItemFailures"):
        return set()
    try:
        failed = {str(item["itemIdentifier"]) for item in result["batchItemFailures"]}
    except (KeyError, TypeError):
        return every_id
    return failed if failed <= every_id else every_id


def delete_messages(sqs: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), _MAX_RECEIVE):
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages[start : start + _MAX_RECEIVE])
        ]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


class SqsPollers:
    """One background thread per event source, long-polling its queue until `stop()`."""

    def __init__(self, sqs: Any, sources: list[SqsSource], invoke: Invoke, *, region: str) -> None:
        self._sqs = sqs
        self._sources = sources
        self._invoke = invoke
        self._region = region
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for source in self._sources:
            thread = threading.Thread(target=self._run, args=(source,), name=f"sqs-{source.function_logical_id}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Finish the batch in hand, then return; a long poll ends within its 1 s wait."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _run(self, source: SqsSource) -> None:
        while not self._stopping.is_set():
            try:
                poll_source(self._sqs, source, self._invoke, region=self._region, wait_seconds=1)
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("polling %s failed; retrying", source.queue_url)
                self._stopping.wait(1)
