"""Faults injected at the botocore layer, into the clients the functions really use (`sfbridge.adapters.aws`).

Three kinds, as AWS shows them to an SDK:
- `fails`: the service answers HTTP 500 `InternalFailure`; nothing took effect. The SDK retries it.
- `throttled`: HTTP 400 with the service's throttling code; nothing took effect. The SDK retries it.
- `times-out-after-effect`: the real call runs (moto applies it), then the read times out (`ReadTimeoutError`), so
  the caller cannot know it worked. The SDK retries it, and the retry takes effect again where the call is not
  idempotent (SendMessage, PutEvents).

moto's own stubber also listens to `before-send`. An injected answer points the request elsewhere first, so that the
stubber leaves a refused call alone; `times-out-after-effect` is registered last, after the stubber has answered.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff

Kind = Literal["fails", "throttled", "times-out-after-effect"]
KINDS: Final[tuple[Kind, ...]] = ("fails", "throttled", "times-out-after-effect")

_THROTTLING_CODE: Final = {
    "dynamodb": "ProvisionedThroughputExceededException",
    "sqs": "RequestThrottled",
    "stepfunctions": "ThrottlingException",
    "events": "ThrottlingException",
}
_NOWHERE: Final = "https://fault-injected.invalid/"


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: Any, **__: Any) -> bytes:
        return self._data


@dataclass
class Fault:
    """One operation of one client, made to misbehave for its first `times` attempts (every attempt when None)."""

    service: str
    """The botocore service name (`dynamodb`, `sqs`, `stepfunctions`, `events`)."""
    service_id: str
    """How botocore names it in events (`sfn` for Step Functions, `eventbridge` for EventBridge)."""
    operation: str
    kind: Kind
    times: int | None = None
    attempts: int = 0
    injected: int = 0

    def _due(self, event_name: str) -> bool:
        if event_name != f"before-send.{self.service_id}.{self.operation}":
            return False
        self.attempts += 1
        if self.times is not None and self.injected >= self.times:
            return False
        self.injected += 1
        return True

    def refuse(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if self.kind == "times-out-after-effect" or not self._due(event_name):
            return None
        request.url = _NOWHERE
        status, code = (500, "InternalFailure") if self.kind == "fails" else (400, _THROTTLING_CODE[self.service])
        body = f'{{"__type": "{code}", "message": "injected: {self.operation} {self.kind}"}}'.encode()
        return AWSResponse(_NOWHERE, status, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))

    def time_out(self, request: Any, event_name: str, **_: Any) -> None:
        if self.kind == "times-out-after-effect" and self._due(event_name):
            raise ReadTimeoutError(endpoint_url=request.url)


@dataclass
class Faults:
    """Faults on live clients; `clear()` removes them all (the fixture does it after each test)."""

    _installed: list[tuple[Any, Fault]] = field(default_factory=list)

    def inject(self, client: Any, operation: str, kind: Kind, *, times: int | None = None) -> Fault:
        model = client.meta.service_model
        fault = Fault(model.service_name, model.service_id.hyphenize(), operation, kind, times)
        client.meta.events.register_first("before-send", fault.refuse)
        client.meta.events.register_last("before-send", fault.time_out)
        self._installed.append((client, fault))
        return fault

    def clear(self) -> None:
        for client, fault in self._installed:
            client.meta.events.unregister("before-send", fault.refuse)
            client.meta.events.unregister("before-send", fault.time_out)
        self._installed.clear()

    @contextmanager
    def only(self, client: Any, operation: str, kind: Kind, *, times: int | None = None) -> Iterator[Fault]:
        fault = self.inject(client, operation, kind, times=times)
        try:
            yield fault
        finally:
            self.clear()


@dataclass
class Latency:
    """Every call of one operation takes `seconds` longer, as a slow network or a throttled table makes it."""

    service_id: str
    operation: str
    seconds: float

    def wait(self, event_name: str, **_: Any) -> None:
        if event_name == f"before-send.{self.service_id}.{self.operation}":
            time.sleep(self.seconds)


def add_latency(client: Any, operation: str, seconds: float) -> Latency:
    """Slow `operation` down on `client`; undo with `remove_latency`."""
    latency = Latency(client.meta.service_model.service_id.hyphenize(), operation, seconds)
    client.meta.events.register_first("before-send", latency.wait)
    return latency


def remove_latency(client: Any, latency: Latency) -> None:
    client.meta.events.unregister("before-send", latency.wait)


def expire_in_progress_locks(dynamodb: Any, table_name: str) -> int:
    """End the lock every interrupted idempotent call left behind, as the end of its Lambda invocation does.

    Powertools keeps a key `INPROGRESS` until the invocation that took it would have timed out; a redelivery (after
    the queue's visibility timeout, six times the function's) or a caller's later retry comes after that. The tests
    do not wait that long: they move the lock's expiry into the past. Returns how many locks it ended.
    """
    ended = 0
    for item in dynamodb.scan(TableName=table_name)["Items"]:
        if item.get("status", {}).get("S") == "INPROGRESS":
            dynamodb.update_item(
                TableName=table_name,
                Key={"id": item["id"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "0"}},
            )
            ended += 1
    return ended


@contextmanager
def no_retry_delay() -> Iterator[None]:
    """The SDK's retries without their backoff sleeps (the number of attempts is unchanged)."""
    original = ExponentialBackoff.delay_amount
    ExponentialBackoff.delay_amount = lambda self, context: 0  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        ExponentialBackoff.delay_amount = original  # type: ignore[method-assign]
