"""The receiver's view of an Outbound Message envelope: plain dataclasses, so that pydantic stays off its import path.

Every id here is already checked and in its 18-character form (`sfbridge.soap.outbound` reads them); the worker's
full read (`sfbridge.models.outbound.OutboundMessage`) carries the same ids in the same order.
"""

from dataclasses import dataclass, field

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
