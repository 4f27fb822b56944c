"""The default destination of a notification: one event on the project's EventBridge bus."""

from sfbridge.adapters.event_bus import Entry, EventBus, OverflowStore
from sfbridge.config import OutboundWorkerSettings
from sfbridge.domain.versions import record_version
from sfbridge.models.outbound import NotificationEvent
from sfbridge.outbound.routing import Delivery

EVENT_SOURCE = "sfbridge.outbound-message"
OVERFLOW_PREFIX = "oversized-events/"
"""Full details of events over EventBridge's quota, in the claim-check bucket beside (not among) the claim checks."""


def notification_event(delivery: Delivery) -> NotificationEvent:
    """The event detail: the notification as sent, its dedupe key and its normalized version."""
    notification = delivery.notification
    version = record_version(notification.fields)
    return NotificationEvent(
        organization_id=delivery.organization_id,
        action_id=delivery.action_id,
        notification_id=notification.notification_id,
        sobject_type=notification.sobject_type,
        record_id=notification.record_id,
        record_version=version.value if version else None,
        record_version_field=version.field if version else None,
        fields=notification.fields,
        request_id=delivery.request_id,
        replay=delivery.replay,
    )


def notification_entry(delivery: Delivery) -> Entry:
    """The bus entry for a notification: `detail-type` = the sObject type."""
    return Entry(
        source=EVENT_SOURCE,
        detail_type=delivery.notification.sobject_type,
        detail=notification_event(delivery).model_dump(by_alias=True),
        overflow_key=f"{delivery.organization_id}/{delivery.notification.notification_id}",
    )


def event_bus(settings: OutboundWorkerSettings) -> EventBus:
    return EventBus(settings.event_bus_name, overflow=OverflowStore(settings.claim_check_bucket, OVERFLOW_PREFIX))


def publish_notification(delivery: Delivery) -> None:
    """The default handler: one EventBridge event per notification (the worker batches these itself)."""
    event_bus(OutboundWorkerSettings.from_env()).publish_all([notification_entry(delivery)])
