"""Helpers shared by the test suites: sample events (from events/ only) and Outbound Message builders."""

import base64
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
TEMPLATE = ROOT / "template.yaml"
UNAUTHENTICATED = {"AllowUnauthenticatedOutboundMessages": "true"}
"""Overrides for a test stack that does not exercise the endpoint token (template.yaml refuses no token otherwise)."""
SAMPLE_ORGANIZATION_ID = "00DKb00000AbCdEMAV"
SAMPLE_ORGANIZATION_ID_15 = "00DKb00000AbCdE"


def load_event(name: str) -> dict[str, Any]:
    """A JSON event from events/, e.g. `load_event("outbound_receiver/account-1")`."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_body(name: str) -> bytes:
    """A raw Salesforce body from events/, e.g. `load_body("outbound_receiver/account-1")`."""
    return (EVENTS / f"{name}.xml").read_bytes()


def with_body(event: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The same API Gateway proxy event carrying another body, base64-encoded as API Gateway does for text/xml."""
    return {**event, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    """Edit a sample body; fails loudly when the sample no longer contains `old`."""
    assert old in data, f"sample does not contain {old!r}"
    return data.replace(old, new, 1)


def without_element(data: bytes, start: bytes, end: bytes) -> bytes:
    """A sample body with its first element from `start` through the closing `end` cut out."""
    first = data.index(start)
    return data[:first] + data[data.index(end, first) + len(end) :]


def with_one_notification_too_many() -> bytes:
    """The 100-notification sample with its first notification repeated: one more than Salesforce ever sends."""
    batch = load_body("outbound_receiver/batch-100")
    start = batch.index(b"   <Notification>")
    extra = batch[start : batch.index(b"</Notification>", start) + len(b"</Notification>\n")]
    end = batch.index(b"  </notifications>")
    return batch[:end] + extra + batch[end:]
