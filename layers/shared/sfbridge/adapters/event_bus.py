"""Publish events to the project's EventBridge bus."""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ServerError


class PublishFailed(ServerError):
    """EventBridge did not accept the event; the SQS record is retried."""


class EventBus:
    def __init__(self, bus_name: str) -> None:
        self._bus_name = bus_name

    def publish(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        entry = {
            "EventBusName": self._bus_name,
            "Source": source,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, separators=(",", ":"), default=str),
        }
        try:
            response = client("events").put_events(Entries=[entry])
        except (BotoCoreError, ClientError) as exc:
            raise PublishFailed(f"could not publish {detail_type} to {self._bus_name}") from exc
        result = response["Entries"][0]
        if response.get("FailedEntryCount") or "EventId" not in result:
            raise PublishFailed(f"EventBridge refused {detail_type}: {result.get('ErrorCode')}")
        return str(result["EventId"])
