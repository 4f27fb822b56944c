"""The default destination of a notification: one event on the project's EventBridge bus."""

from sfbridge.adapters.event_bus import EventBus
from sfbridge.config import OutboundWorkerSettings
from sfbridge.models.outbound import NotificationEvent
from sfbridge.outbound.routing import Delivery

EVENT_SOURCE = "sfbridge.outbound-message"


def publish_notification(delivery: Delivery) -> None:
    """The default handler: one EventBridge event per notification, `detail-type` = the sObject type."""
    notification = delivery.notification
    detail = NotificationEvent(
        organization_id=delivery.organization_id,
        action_id=delivery.action_id,
        notification_id=notification.notification_id,
        sobject_type=notification.sobject_type,
        record_id=notification.record_id,
        fields=notification.fields,
        request_id=delivery.request_id,
        replay=delivery.replay,
    )
    EventBus(OutboundWorkerSettings.from_env().event_bus_name).publish(
        source=EVENT_SOURCE, detail_type=notification.sobject_type, detail=detail.model_dump(by_alias=True)
    )
