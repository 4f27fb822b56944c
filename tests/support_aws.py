"""Botocore hooks on the clients sfbridge uses: AWS refusals moto does not make, and faults injected per call.

Every hook is registered on a client from `sfbridge.adapters.aws.client` (the ones the functions use) and removed
again by `Hooks.remove_all`, so that tests never leak a fault into each other.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from sfbridge.adapters.aws import client
from sfbridge.adapters.event_bus import ENTRY_QUOTA_BYTES, entry_size

SERVICE_IDS = {"events": "eventbridge", "sqs": "sqs", "s3": "s3", "dynamodb": "dynamodb"}


def _error(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    http = AWSResponse("https://aws.invalid/", status, {}, None)
    parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return http, parsed


def entries_of(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The PutEvents entries of a request as botocore serialized it (JSON protocol)."""
    return list(json.loads(params["body"])["Entries"])


def refuse_put_events_over_quota(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    """What EventBridge does and moto does not: a request whose entries add up to more than 256 KB is refused."""
    total = sum(
        entry_size(
            source=entry.get("Source", ""),
            detail_type=entry.get("DetailType", ""),
            detail=entry.get("Detail", ""),
            resources=entry.get("Resources", []),
        )
        + (14 if "Time" in entry else 0)
        for entry in entries_of(params)
    )
    if total > ENTRY_QUOTA_BYTES:
        return _error(400, "ValidationException", "Total size of the entries in the request is over the limit.")
    return None


class Hooks:
    """Handlers registered on sfbridge's clients during one test."""

    def __init__(self) -> None:
        self._registered: list[tuple[Any, str, Callable[..., Any]]] = []

    def add(self, service: str, event: str, handler: Callable[..., Any]) -> None:
        events = client(service).meta.events
        events.register_first(event, handler)
        self._registered.append((events, event, handler))

    def before_call(self, service: str, operation: str, handler: Callable[..., Any]) -> None:
        self.add(service, f"before-call.{SERVICE_IDS[service]}.{operation}", handler)

    def after_call(self, service: str, operation: str, handler: Callable[..., Any]) -> None:
        self.add(service, f"after-call.{SERVICE_IDS[service]}.{operation}", handler)

    def remove_all(self) -> None:
        for events, event, handler in reversed(self._registered):
            events.unregister(event, handler)
        self._registered.clear()

    # ---------------------------------------------------------------- faults

    def fail(self, service: str, operation: str, *, status: int, code: str, times: int = 1_000) -> list[int]:
        """Refuse the next `times` calls with an AWS error (before they take effect); returns a call counter."""
        calls = [0]

        def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            calls[0] += 1
            return _error(status, code, f"injected {code}") if calls[0] <= times else None

        self.before_call(service, operation, refuse)
        return calls

    def time_out_after_effect(self, service: str, operation: str, *, times: int = 1_000) -> list[int]:
        """Let the next `times` calls take effect, then raise `ReadTimeoutError` as if the answer never came."""
        calls = [0]

        def lose_answer(**_: Any) -> None:
            calls[0] += 1
            if calls[0] <= times:
                raise ReadTimeoutError(endpoint_url=f"https://{service}.us-east-1.amazonaws.com/")

        self.after_call(service, operation, lose_answer)
        return calls


@contextmanager
def hooks() -> Iterator[Hooks]:
    registered = Hooks()
    try:
        yield registered
    finally:
        registered.remove_all()
