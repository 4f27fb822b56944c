"""The receiver's view of an Outbound Message envelope: plain dataclasses, so that pydantic stays off its import path.

Every id here is already checked and in its 18-character form (`sfbridge.soap.outbound` reads them); the worker's
full read (`sfbridge.models.outbound.OutboundMessage`) carries the same ids in the same order.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

MAX_NOTIFICATIONS = 100
"""Salesforce sends at most 100 notifications in one Outbound Message."""


@dataclass(frozen=True, slots=True)
class NotificationRef:
    """A notification as the receiver checks it: which one, of which sObject type, about which record."""

    notification_id: str
    sobject_type: str
    record_id: str | None


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    """The fields of `notifications` that precede the Notification elements. The SessionId never shows in a repr."""

    organization_id: str
    action_id: str
    session_id: str | None = field(default=None, repr=False)
    enterprise_url: str | None = None
    partner_url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundEnvelope:
    """What the receiver validates before it stores a message: the header and each notification's ids and type."""

    header: EnvelopeHeader
    notifications: tuple[NotificationRef, ...]

    @property
    def organization_id(self) -> str:
        return self.header.organization_id

    @property
    def action_id(self) -> str:
        return self.header.action_id

    @property
    def session_id(self) -> str | None:
        return self.header.session_id


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """The SQS body the receiver writes, as `sfbridge.models.outbound.QueuedOutboundMessage` (which the worker
    validates it with) reads it: the envelope as received, or the S3 key of its claim check.

    The envelope is kept byte for byte (less any SessionId) so that the worker reads exactly what Salesforce sent.
    """

    organization_id: str
    action_id: str
    notification_ids: tuple[str, ...]
    request_id: str | None = None
    envelope: str | None = None
    envelope_s3_key: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    schema_version: int = 1

    def to_json(self) -> str:
        """The queue message body: JSON, without the fields that are None."""
        body = {
            "schema_version": self.schema_version,
            "organization_id": self.organization_id,
            "action_id": self.action_id,
            "notification_ids": list(self.notification_ids),
            "received_at": self.received_at.isoformat().replace("+00:00", "Z"),
            "request_id": self.request_id,
            "envelope": self.envelope,
            "envelope_s3_key": self.envelope_s3_key,
        }
        return json.dumps(
            {name: value for name, value in body.items() if value is not None},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def as_claim_check(self, s3_key: str) -> "QueuedMessage":
        """The same message carrying the S3 key of its envelope instead of the envelope."""
        return replace(self, envelope=None, envelope_s3_key=s3_key)
