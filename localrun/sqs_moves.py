"""SQS message move tasks (DLQ redrive) for moto, which does not implement them.

`StartMessageMoveTask`, `ListMessageMoveTasks` and `CancelMessageMoveTask` are added to moto's SQS in the shape
of the real API: the source must be a dead-letter queue of another queue, one task runs per source queue at a time,
`MaxNumberOfMessagesPerSecond` is 1 to 500, messages go back to the queue that dead-lettered them unless a
`DestinationArn` is given, a cancelled task leaves moved messages moved, and a task handle is listed only while its
task runs. Messages keep their id, body and attributes and start again with a receive count of zero.
"""

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from moto.core.responses import ActionResult
from moto.sqs.exceptions import SQSException
from moto.sqs.models import Queue, SQSBackend
from moto.sqs.responses import SQSResponse

MAX_RATE: Final = 500
"""The highest `MaxNumberOfMessagesPerSecond` SQS accepts."""
UNTHROTTLED_RATE: Final = 500.0
"""What "system-optimized" means here when no rate is given."""


class ResourceNotFound(SQSException):
    code = "ResourceNotFoundException"


class UnsupportedOperation(SQSException):
    code = "UnsupportedOperation"


class InvalidParameterValue(SQSException):
    code = "InvalidParameterValue"


@dataclass
class MoveTask:
    handle: str
    source: Queue
    destination: Queue
    destination_arn: str | None
    rate: int | None
    to_move: int
    started_ms: int
    moved: int = 0
    status: str = "RUNNING"
    failure_reason: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source.queue_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            entry["TaskHandle"] = self.handle
        if self.failure_reason is not None:
            entry["FailureReason"] = self.failure_reason
        if self.destination_arn:
            entry["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            entry["MaxNumberOfMessagesPerSecond"] = self.rate
        return entry

    def run(self) -> None:
        interval = 1.0 / (self.rate or UNTHROTTLED_RATE)
        try:
            while self.moved < self.to_move and not self.cancel.is_set():
                if not _move_one(self.source, self.destination):
                    break
                self.moved += 1
                self.cancel.wait(interval)
        except Exception as error:  # as SQS does: the task ends FAILED with its reason, never RUNNING forever
            self.failure_reason = f"{type(error).__name__}: {error}"
            self.status = "FAILED"
            return
        self.status = "CANCELLED" if self.cancel.is_set() else "COMPLETED"


_tasks: dict[str, list[MoveTask]] = {}
_lock = threading.Lock()


def _move_one(source: Queue, destination: Queue) -> bool:
    """Move the oldest visible message; False when there is none. A message is in exactly one queue at any time."""
    with source._messages_lock:
        message = next(iter(source.messages), None)  # moto's list, or localrun.sqs_scans' lazy view
        if message is None:
            return False
        source._messages.remove(message)
    message.approximate_receive_count = 0
    message.approximate_first_receive_timestamp = None
    message.receipt_handle = None
    message.visible_at = 0.0
    destination.add_message(message)
    return True


def _queue_by_arn(backend: SQSBackend, arn: str, parameter: str) -> Queue:
    for queue in backend.queues.values():
        if queue.queue_arn == arn:
            return queue
    raise ResourceNotFound(f"The resource that you specified for the {parameter} parameter doesn't exist.")


def _destination(backend: SQSBackend, source: Queue, destination_arn: str | None) -> Queue:
    if destination_arn:
        return _queue_by_arn(backend, destination_arn, "DestinationArn")
    sources = backend.list_dead_letter_source_queues(source.name)
    if not sources:
        raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
    return sources[0]


def _start_message_move_task(self: SQSResponse) -> ActionResult:
    backend = self.sqs_backend
    source = _queue_by_arn(backend, str(self._get_param("SourceArn")), "SourceArn")
    if source.fifo_queue:
        raise UnsupportedOperation("FIFO queues don't support redrive.")
    rate = self._get_param("MaxNumberOfMessagesPerSecond")
    if rate is not None and not 1 <= int(rate) <= MAX_RATE:
        raise InvalidParameterValue(f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid.")
    destination_arn = self._get_param("DestinationArn")
    destination = _destination(backend, source, destination_arn)
    with _lock:
        history = _tasks.setdefault(source.queue_arn, [])
        if any(task.status in ("RUNNING", "CANCELLING") for task in history):
            raise UnsupportedOperation("There is already a task running. Only one active task is allowed per queue.")
        handle = base64.b64encode(json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source.queue_arn}).encode())
        task = MoveTask(
            handle=handle.decode(),
            source=source,
            destination=destination,
            destination_arn=destination_arn,
            rate=None if rate is None else int(rate),
            to_move=len(source.messages),
            started_ms=int(time.time() * 1000),
        )
        history.insert(0, task)
    threading.Thread(target=task.run, name="sqs-message-move", daemon=True).start()
    return ActionResult({"TaskHandle": task.handle})


def _list_message_move_tasks(self: SQSResponse) -> ActionResult:
    source = _queue_by_arn(self.sqs_backend, str(self._get_param("SourceArn")), "SourceArn")
    limit = int(self._get_param("MaxResults") or 1)
    if not 1 <= limit <= 10:
        raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid.")
    with _lock:
        results = [task.entry() for task in _tasks.get(source.queue_arn, [])[:limit]]
    return ActionResult({"Results": results})


def _cancel_message_move_task(self: SQSResponse) -> ActionResult:
    handle = str(self._get_param("TaskHandle"))
    with _lock:
        task = next((task for tasks in _tasks.values() for task in tasks if task.handle == handle), None)
    if task is None or task.status != "RUNNING":
        raise ResourceNotFound("The resource that you specified for the TaskHandle parameter doesn't exist.")
    task.status = "CANCELLING"
    task.cancel.set()
    return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})


def enable_message_move_tasks() -> None:
    """Add the three actions to moto's SQS (in this process: `mock_aws()` and a `ThreadedMotoServer` alike)."""
    SQSResponse.start_message_move_task = _start_message_move_task  # type: ignore[attr-defined]
    SQSResponse.list_message_move_tasks = _list_message_move_tasks  # type: ignore[attr-defined]
    SQSResponse.cancel_message_move_task = _cancel_message_move_task  # type: ignore[attr-defined]


def forget_message_move_tasks() -> None:
    """Drop the task history (between tests: moto's own state is reset by `mock_aws`)."""
    with _lock:
        _tasks.clear()
