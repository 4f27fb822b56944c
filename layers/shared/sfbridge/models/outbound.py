"""Outbound Message models: what the worker reads from a stored message (the receiver's side is `models.envelope`)."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic.alias_generators import to_camel

from sfbridge.domain.ids import to_18
from sfbridge.models.envelope import MAX_NOTIFICATIONS

VERSION_FIELDS = ("SystemModstamp", "LastModifiedDate")


class Notification(BaseModel):
    """One changed record. `fields` holds every field sent, by API name, as text; nil becomes None.

    `notification_id` and `record_id` are the 18-character forms of the ids Salesforce sent (`fields["Id"]` keeps
    the record id as sent); they are the idempotency and version keys.
    """

    model_config = ConfigDict(frozen=True)

    notification_id: str
    sobject_type: str
    fields: dict[str, str | None]
    record_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _record_id_from_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("record_id") is None and (data.get("fields") or {}).get("Id"):
            return {**data, "record_id": to_18(data["fields"]["Id"])}
        return data

    @property
    def record_version(self) -> str | None:
        """The record's modification stamp, used to drop notifications older than one already applied."""
        for name in VERSION_FIELDS:
            value = self.fields.get(name)
            if value:
                return value
        return None

    @property
    def is_id_only(self) -> bool:
        """True when the message carries no field but the record Id.

        That is how the Outbound Message was configured (an admin may choose to send only the Id); it says nothing
        about the record's state, and in particular does not mean that the record was deleted.
        """
        return set(self.fields) <= {"Id"}


class MessageHeader(BaseModel):
    """The fields of `notifications` that precede the Notification elements."""

    model_config = ConfigDict(frozen=True)

    organization_id: str
    action_id: str
    session_id: SecretStr | None = Field(default=None, exclude=True, repr=False)
    enterprise_url: str | None = None
    partner_url: str | None = None


class OutboundMessage(MessageHeader):
    """A whole `notifications` element, every field of every record included."""

    notifications: Annotated[list[Notification], Field(min_length=1, max_length=MAX_NOTIFICATIONS)]


class QueuedOutboundMessage(BaseModel):
    """The SQS body the receiver writes and the worker reads: the envelope as received, or an S3 claim check.

    The envelope is kept byte for byte (less any SessionId) so that the worker reads exactly what Salesforce sent.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, alias_generator=None)

    schema_version: Literal[1] = 1
    organization_id: str
    action_id: str
    notification_ids: list[str]
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    request_id: str | None = None
    envelope: str | None = None
    envelope_s3_key: str | None = None
    replay: Literal[True] | None = None
    """Set by `sfbridge replay --force`: apply again even if already applied, and mark the events as replayed."""


class NotificationEvent(BaseModel):
    """The `detail` of the EventBridge event published for a notification (camelCase on the wire)."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    organization_id: str
    action_id: str
    notification_id: str
    sobject_type: str = Field(serialization_alias="sObjectType")
    record_id: str | None
    record_version: str | None = None
    """The normalized version (UTC, fixed width, compares as text); None when the message sends no stamp."""
    record_version_field: str | None = None
    """Which stamp `record_version` comes from (`SystemModstamp` or `LastModifiedDate`): compare only equal fields."""
    fields: dict[str, str | None]
    request_id: str | None = None
    replay: bool = False
    """True when an operator applied the notification again on purpose (`sfbridge replay --force`)."""
