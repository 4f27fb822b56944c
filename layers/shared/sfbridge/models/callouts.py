"""Callout API models: response bodies, the queued event, the EventBridge detail, and problem documents.

Everything on the wire is camelCase, as Apex's `JSON.serialize` writes and reads it.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

JobStatus = Literal["RUNNING", "SUCCEEDED", "FAILED"]


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python; dumped with `by_alias=True`."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class FieldError(WireModel):
    """One entry of a 400 problem's `errors`: where in the body (a JSON path) and what is wrong there."""

    path: str
    message: str


class Problem(WireModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    workflow_error: str | None = None
    request_id: str | None = None


class EventAccepted(WireModel):
    """`202` answer of `POST /events/{type}`."""

    id: str


class JobView(WireModel):
    """Answer of `POST /jobs/{name}` (`RUNNING`, 202) and of `GET /jobs/{id}`."""

    id: str
    status: JobStatus
    output: Any = None
    error: Problem | None = None


class CalloutAnswer(BaseModel):
    """What a POST route answers, as remembered under its Idempotency-Key and replayed for a retry."""

    model_config = ConfigDict(frozen=True)

    status: int
    body: Any
    location: str | None = None
    replayed: bool = False
    """True when this is the remembered answer to an earlier request with the same Idempotency-Key."""


class QueuedCalloutEvent(WireModel):
    """The SQS body `POST /events/{type}` writes and the event worker reads."""

    schema_version: Literal[1] = 1
    id: str
    type: str
    payload: dict[str, Any]
    request_id: str
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class CalloutEventDetail(WireModel):
    """The `detail` of the EventBridge event published for an accepted callout event."""

    id: str
    type: str
    payload: dict[str, Any]
    request_id: str
