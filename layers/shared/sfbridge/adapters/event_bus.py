"""Publish events to the project's EventBridge bus, within its entry quota.

EventBridge measures a PutEvents entry as the UTF-8 bytes of Source + DetailType + Detail + each of Resources
(+ 14 for Time), and refuses a request whose entries add up to more than 256 KB (262,144 bytes) with a
`ValidationException`. Details are serialized compactly in UTF-8 (`ensure_ascii=False`: a CJK character costs 3
bytes, not the 6 of a `\\uXXXX` escape), and `entry_size` measures exactly the text that is sent.

An entry that still does not fit is published in its overflow shape (documented in README.md, "Events"): the full
detail is written to S3 as JSON, and the event's detail keeps every top-level key, the members of its nested
objects (`fields`, `payload`) that fit, largest left out first, and `detailOverflow` naming the S3 object and what
was left out.
"""

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ServerError

ENTRY_QUOTA_BYTES: Final = 262_144
"""EventBridge's PutEvents entry quota: 256 KB, counted as AWS counts it (see `entry_size`)."""
MAX_ENTRIES_PER_CALL: Final = 10
"""PutEvents takes at most 10 entries per request."""
OVERFLOW_KEY: Final = "detailOverflow"


class PublishFailed(ServerError):
    """EventBridge did not accept the event; the SQS record is retried."""


class EventTooLarge(ServerError):
    """The entry exceeds EventBridge's quota and there is no overflow store, or even its overflow shape is too big."""


def serialize_detail(detail: Mapping[str, Any]) -> str:
    """The Detail text as sent: compact JSON in UTF-8, non-ASCII characters as themselves."""
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_size(*, source: str, detail_type: str, detail: str, resources: Sequence[str] = ()) -> int:
    """The size EventBridge counts against `ENTRY_QUOTA_BYTES` for one entry (no Time parameter is sent)."""
    parts = (source, detail_type, detail, *resources)
    return sum(len(part.encode("utf-8")) for part in parts)


def detail_entry_size(*, source: str, detail_type: str, detail: Mapping[str, Any]) -> int:
    """`entry_size` of the entry `EventBus.publish` would send for `detail` (before any overflow)."""
    return entry_size(source=source, detail_type=detail_type, detail=serialize_detail(detail))


@dataclass(frozen=True, slots=True)
class OverflowStore:
    """Where full details of oversized events go: an S3 bucket and a key prefix of their own."""

    bucket: str
    prefix: str = "oversized-events/"

    def put(self, key: str, detail_text: str) -> str:
        object_key = f"{self.prefix}{key}.json"
        try:
            client("s3").put_object(
                Bucket=self.bucket,
                Key=object_key,
                Body=detail_text.encode("utf-8"),
                ContentType="application/json; charset=utf-8",
            )
        except (BotoCoreError, ClientError) as exc:
            raise PublishFailed(f"could not store the full detail at s3://{self.bucket}/{object_key}") from exc
        return object_key


@dataclass(frozen=True, slots=True)
class Entry:
    """One event to publish. `overflow_key` names its overflow object (a dedupe key, so a retry overwrites it)."""

    source: str
    detail_type: str
    detail: Mapping[str, Any]
    overflow_key: str


class EventBus:
    def __init__(self, bus_name: str, *, overflow: OverflowStore | None = None) -> None:
        self._bus_name = bus_name
        self._overflow = overflow

    def publish(self, *, source: str, detail_type: str, detail: Mapping[str, Any], overflow_key: str = "") -> str:
        """Publish one event; return its EventBridge id. Raises `PublishFailed` or `EventTooLarge`."""
        entry = Entry(source, detail_type, detail, overflow_key or f"{source}/{detail_type}")
        return self.publish_all([entry])[0]

    def publish_all(self, entries: Sequence[Entry]) -> list[str]:
        """Publish up to `MAX_ENTRIES_PER_CALL` events in one request whose total stays within the quota."""
        sent = [self._fitting(entry) for entry in entries]
        request = [
            {"EventBusName": self._bus_name, "Source": e.source, "DetailType": e.detail_type, "Detail": text}
            for e, text in zip(entries, sent, strict=True)
        ]
        try:
            response = client("events").put_events(Entries=request)
        except (BotoCoreError, ClientError) as exc:
            raise PublishFailed(f"could not publish {len(request)} event(s) to {self._bus_name}") from exc
        results = response["Entries"]
        refused = [result.get("ErrorCode") for result in results if "EventId" not in result]
        if response.get("FailedEntryCount") or refused:
            raise PublishFailed(f"EventBridge refused {len(refused)} of {len(request)} event(s): {refused[0]}")
        return [str(result["EventId"]) for result in results]

    def publish_each(self, entries: Sequence[Entry], *, pool: Executor | None = None) -> list[str | None]:
        """Publish many events, 10 to a request and within the request quota; returns, per entry, None when it was
        published or why it was not. One refused entry (or request) never stops the others."""
        texts: list[str | None] = []
        errors: list[str | None] = []
        for entry in entries:
            try:
                texts.append(self._fitting(entry))
                errors.append(None)
            except (EventTooLarge, PublishFailed) as exc:
                texts.append(None)
                errors.append(f"{type(exc).__name__}: {exc}")
        requests = _requests([(index, e, t) for index, (e, t) in enumerate(zip(entries, texts, strict=True)) if t])
        outcomes = (pool.map if pool else map)(self._send, requests)
        for request, outcome in zip(requests, outcomes, strict=True):
            for (index, _, _), error in zip(request, outcome, strict=True):
                errors[index] = error
        return errors

    def _send(self, request: list[tuple[int, Entry, str]]) -> list[str | None]:
        entries = [
            {"EventBusName": self._bus_name, "Source": e.source, "DetailType": e.detail_type, "Detail": text}
            for _, e, text in request
        ]
        try:
            response = client("events").put_events(Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            if len(request) > 1:  # one bad entry must not fail its neighbours: send each alone
                return [error for item in request for error in self._send([item])]
            return [f"PublishFailed: {type(exc).__name__}: {exc}"]
        return [
            None if "EventId" in result else f"PublishFailed: EventBridge refused it: {result.get('ErrorCode')}"
            for result in response["Entries"]
        ]

    def _fitting(self, entry: Entry) -> str:
        """The Detail text to send: the detail itself, or its overflow shape when the entry is over the quota."""
        text = serialize_detail(entry.detail)
        room = ENTRY_QUOTA_BYTES - entry_size(source=entry.source, detail_type=entry.detail_type, detail="")
        if len(text.encode("utf-8")) <= room:
            return text
        if self._overflow is None:
            raise EventTooLarge(f"the {entry.detail_type} event is over EventBridge's {ENTRY_QUOTA_BYTES}-byte quota")
        object_key = self._overflow.put(entry.overflow_key, text)
        reference = {"bucket": self._overflow.bucket, "key": object_key, "bytes": len(text.encode("utf-8"))}
        return overflow_detail(entry.detail, reference, room)


def _requests(sized: list[tuple[int, Entry, str]]) -> list[list[tuple[int, Entry, str]]]:
    """Consecutive entries grouped into PutEvents requests of at most 10 entries and 256 KB altogether."""
    requests: list[list[tuple[int, Entry, str]]] = []
    total = ENTRY_QUOTA_BYTES + 1
    for item in sized:
        _, entry, text = item
        size = entry_size(source=entry.source, detail_type=entry.detail_type, detail=text)
        if total + size > ENTRY_QUOTA_BYTES or len(requests[-1]) == MAX_ENTRIES_PER_CALL:
            requests.append([])
            total = 0
        requests[-1].append(item)
        total += size
    return requests


def overflow_detail(detail: Mapping[str, Any], reference: Mapping[str, Any], room: int) -> str:
    """`detail` cut down to `room` bytes: nested members left out largest first, listed in `detailOverflow`."""
    slim = {key: dict(value) if isinstance(value, Mapping) else value for key, value in detail.items()}
    members = sorted(
        (
            (len(serialize_detail({name: member}).encode("utf-8")), key, name)
            for key, value in slim.items()
            if isinstance(value, dict)
            for name, member in value.items()
        ),
        reverse=True,
    )
    omitted: list[str] = []
    while True:
        slim[OVERFLOW_KEY] = {**reference, "omitted": sorted(omitted)}
        text = serialize_detail(slim)
        excess = len(text.encode("utf-8")) - room
        if excess <= 0:
            return text
        if not members:
            raise EventTooLarge("even without its nested members the event is over EventBridge's quota")
        while members and excess > 0:  # drop enough at once, then measure again (the listing costs a few bytes)
            size, key, name = members.pop(0)
            del slim[key][name]
            omitted.append(f"{key}.{name}")
            excess -= size
