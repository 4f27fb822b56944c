"""Worker throughput: AWS calls per notification, and wall time with 10 ms added to every AWS call.

The worker runs against moto (resources from template.yaml); a botocore `before-call` hook on sfbridge's own
clients counts the calls and, for the latency figure, sleeps 10 ms in each. The baseline is the sequential design's
four calls per notification at that latency: 400 x 10 ms = 4.0 s for one 100-notification message.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LATENCY_SECONDS = 0.010
SEQUENTIAL_CALLS_PER_NOTIFICATION = 4
SERVICES = ("sqs", "s3", "dynamodb", "events")

# The worker is measured, not the endpoint token: the stack deploys with the explicit opt-out.
UNAUTHENTICATED = {"AllowUnauthenticatedOutboundMessages": "true"}


def _environment() -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "sfbridge",
        "POWERTOOLS_METRICS_NAMESPACE": "Sfbridge",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        os.environ.setdefault(name, value)


class Calls(list[str]):
    """The AWS calls made, by operation name, and the seconds moto spent answering them."""

    emulator_seconds: float = 0.0


@contextmanager
def counted_calls(latency: float = 0.0) -> Iterator[Calls]:
    """Every AWS call sfbridge's clients make inside the block; each delayed by `latency` seconds.

    Moto answers in-process, on this machine's CPU: its own processing (a transaction deep-copies every table) is
    measured per call, so that it can be told apart from the latency being modelled.
    """
    from sfbridge.adapters.aws import client

    calls = Calls()
    started: dict[int, float] = {}

    def before(model: Any, context: Any, **_: Any) -> None:
        calls.append(model.name)
        if latency:
            time.sleep(latency)
        started[id(context)] = time.perf_counter()

    def after(context: Any, **_: Any) -> None:
        calls.emulator_seconds += time.perf_counter() - started.pop(id(context), time.perf_counter())

    emitters = [client(service).meta.events for service in SERVICES]
    for events in emitters:
        events.register("before-call", before)
        events.register("after-call", after)
    try:
        yield calls
    finally:
        for events in emitters:
            events.unregister("before-call", before)
            events.unregister("after-call", after)


def _worker_event(stack: Any, body: bytes) -> dict[str, Any]:
    """The SQS event Lambda would hand the worker for the message the receiver stores for `body`."""
    import boto3

    from localrun.pollers import sqs_record
    from tests.support import load_event, with_body

    stack.invoke("OutboundReceiverFunction", with_body(load_event("outbound_receiver/account-1"), body))
    queue = stack.physical_id("OutboundQueue")
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=queue, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"]
    )["Messages"]
    return {"Records": [sqs_record(message, stack.attribute("OutboundQueue", "Arn"), "us-east-1")]}


def worker_figures() -> dict[str, float]:
    _environment()
    from moto import mock_aws

    from localrun.stack import LocalStack

    body = (ROOT / "events" / "outbound_receiver" / "batch-100.xml").read_bytes()
    figures: dict[str, float] = {}
    with mock_aws():
        stack = LocalStack.deploy(str(ROOT / "template.yaml"), UNAUTHENTICATED)
        event = _worker_event(stack, body)
        with counted_calls() as calls:
            assert stack.invoke("OutboundWorkerFunction", event) == {"batchItemFailures": []}
        figures["worker_calls_per_notification_100"] = len(calls) / 100
        with counted_calls() as calls:
            assert stack.invoke("OutboundWorkerFunction", event) == {"batchItemFailures": []}
        figures["worker_calls_per_notification_dupes"] = len(calls) / 100
    with mock_aws():
        stack = LocalStack.deploy(str(ROOT / "template.yaml"), UNAUTHENTICATED)
        event = _worker_event(stack, body)
        with counted_calls(LATENCY_SECONDS) as calls:
            started = time.perf_counter()
            assert stack.invoke("OutboundWorkerFunction", event) == {"batchItemFailures": []}
            wall = time.perf_counter() - started
    # AWS answers in 10 ms here; what moto itself spends answering is this machine's emulation, not AWS latency.
    seconds = wall - calls.emulator_seconds
    baseline = 100 * SEQUENTIAL_CALLS_PER_NOTIFICATION * LATENCY_SECONDS
    figures["worker_seconds_100_at_10ms"] = seconds
    figures["worker_speedup_100_at_10ms"] = baseline / seconds
    figures["worker_wall_seconds_with_moto"] = wall
    return figures
