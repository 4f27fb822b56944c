"""`sfbridge redrive`: move a dead-letter queue's messages back to their queue with SQS's own message move task.

SQS moves each message atomically (it is in one queue or the other), so stopping early (Ctrl-C cancels the task)
leaves moved messages moved and the rest in the dead-letter queue: nothing is half-moved.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError

from operate.stack import OperateError, Stack

ACTIVE: Final = ("RUNNING", "CANCELLING")
FINISHED: Final = ("COMPLETED", "CANCELLED", "FAILED")


@dataclass(frozen=True)
class MovePlan:
    source_arn: str
    destination_url: str
    depth: int


@dataclass(frozen=True)
class MoveOutcome:
    status: str
    moved: int
    to_move: int
    failure_reason: str | None = None


Progress = Callable[[int, int], None]
"""Called with (moved, to_move) while the task runs."""


def plan(stack: Stack, queue: str) -> MovePlan:
    """What a redrive would move; refuses while a move task on this dead-letter queue is still running."""
    url, dead_letter_url = stack.queue_urls(queue)
    sqs = stack.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=dead_letter_url, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"]
    )["Attributes"]
    running = [task for task in _tasks(sqs, attributes["QueueArn"]) if task["Status"] in ACTIVE]
    if running:
        task = running[0]
        moved, to_move = task.get("ApproximateNumberOfMessagesMoved", 0), task.get("ApproximateNumberOfMessagesToMove")
        raise OperateError(
            f"a move task on the {queue} dead-letter queue is {task['Status']} ({moved} of {to_move} moved): "
            "wait for it to end"
        )
    return MovePlan(attributes["QueueArn"], url, int(attributes["ApproximateNumberOfMessages"]))


def move(
    stack: Stack,
    move_plan: MovePlan,
    *,
    max_per_second: int | None,
    progress: Progress,
    stop: threading.Event,
    poll_seconds: float = 0.5,
) -> MoveOutcome:
    """Start the task and follow it to its end; `stop` (Ctrl-C) cancels it, then waits for it to stop."""
    sqs = stack.client("sqs")
    request: dict[str, Any] = {"SourceArn": move_plan.source_arn}
    if max_per_second is not None:
        request["MaxNumberOfMessagesPerSecond"] = max_per_second
    handle = sqs.start_message_move_task(**request)["TaskHandle"]
    cancelled = False
    while True:
        task = _latest(sqs, move_plan.source_arn)
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        to_move = int(task.get("ApproximateNumberOfMessagesToMove", 0))
        progress(moved, to_move)
        if task["Status"] in FINISHED:
            return MoveOutcome(task["Status"], moved, to_move, task.get("FailureReason"))
        if stop.wait(poll_seconds) and not cancelled:
            _cancel(sqs, handle)
            cancelled = True


def _latest(sqs: Any, source_arn: str) -> dict[str, Any]:
    tasks = _tasks(sqs, source_arn)
    if not tasks:
        raise OperateError("SQS lists no move task for this queue after starting one")
    return tasks[0]


def _cancel(sqs: Any, handle: str) -> None:
    try:
        sqs.cancel_message_move_task(TaskHandle=handle)
    except ClientError as exc:
        # It ended by itself in the meantime: what it moved stays moved either way.
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise


def _tasks(sqs: Any, source_arn: str) -> list[dict[str, Any]]:
    return list(sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", []))
