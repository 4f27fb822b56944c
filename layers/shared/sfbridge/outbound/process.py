"""Process queued Outbound Messages: each notification takes effect once, and never after a newer version."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.archive import archive_outbound_message
from sfbridge.adapters.idempotency import run_once
from sfbridge.adapters.message_store import ClaimChecks
from sfbridge.adapters.record_versions import RecordVersions
from sfbridge.config import OutboundWorkerSettings
from sfbridge.domain.versions import normalize_version
from sfbridge.models.outbound import Notification, QueuedOutboundMessage
from sfbridge.observability import logger, metrics
from sfbridge.outbound.handlers import router
from sfbridge.outbound.publish import publish_notification
from sfbridge.outbound.routing import Delivery, ObjectRouter
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.workers import process_sqs_batch

_STORED_ENVELOPE_MAX_BYTES = 64 * 1024 * 1024


class NotificationProcessor:
    """Applies the notifications of one queued message, each at most once (per organization and notification id)."""

    def __init__(self, settings: OutboundWorkerSettings, context: LambdaContext, routes: ObjectRouter) -> None:
        self._routes = routes
        self._claim_checks = ClaimChecks(settings.claim_check_bucket)
        self._versions = RecordVersions(settings.record_version_table)
        self._apply_once = run_once(
            self._apply,
            table_name=settings.idempotency_table,
            ttl_seconds=settings.idempotency_ttl_seconds,
            context=context,
            key_prefix="outbound-notifications",
            data_keyword_argument="key",
            on_repeat=self._count_duplicate,
        )

    def process_record(self, record: SQSRecord) -> None:
        queued = QueuedOutboundMessage.model_validate_json(record.body)
        # The receiver's API Gateway request id follows the message, so one id finds both halves in the logs.
        logger.set_correlation_id(queued.request_id)
        envelope = self._claim_checks.envelope(queued)
        message = parse_outbound_message(envelope, max_bytes=_STORED_ENVELOPE_MAX_BYTES)
        archive_outbound_message(record, queued, message, envelope)
        for notification in message.notifications:
            key = {"organization_id": queued.organization_id, "notification_id": notification.notification_id}
            # A forced replay (`sfbridge replay --force`) applies again on purpose: it skips the idempotency record.
            (self._apply if queued.replay else self._apply_once)(key=key, queued=queued, notification=notification)

    def _apply(self, key: dict[str, str], queued: QueuedOutboundMessage, notification: Notification) -> dict[str, str]:
        version = normalize_version(notification.record_version)
        record_id = notification.record_id
        if (
            version
            and record_id
            and not self._versions.advance(
                organization_id=queued.organization_id,
                record_id=record_id,
                version=version,
                notification_id=notification.notification_id,
            )
        ):
            metrics.add_metric(name="StaleSkipped", unit=MetricUnit.Count, value=1)
            logger.info(
                "stale notification skipped", record_version=version, notification_id=notification.notification_id
            )
            return {"outcome": "stale"}
        handler = self._routes.registered(notification.sobject_type)
        # Only a registered handler asks for the typed model: the default event carries the fields as sent,
        # so a value the model would refuse never blocks publication.
        delivery = Delivery(
            organization_id=queued.organization_id,
            action_id=queued.action_id,
            request_id=queued.request_id,
            notification=notification,
            record=notification.fields if handler is None else self._routes.typed_record(notification),
            replay=bool(queued.replay),
        )
        (handler or publish_notification)(delivery)
        metrics.add_metric(name="NotificationsProcessed", unit=MetricUnit.Count, value=1)
        logger.info(
            "notification applied",
            notification_id=notification.notification_id,
            sobject_type=notification.sobject_type,
            record_id=record_id,
        )
        return {"outcome": "applied"}

    @staticmethod
    def _count_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
        metrics.add_metric(name="DuplicatesSkipped", unit=MetricUnit.Count, value=1)
        logger.info("duplicate notification skipped", idempotency_key=idempotent_data.idempotency_key)
        return response


def process_outbound_batch(
    event: dict[str, Any], context: LambdaContext, routes: ObjectRouter = router
) -> dict[str, Any]:
    """Process an SQS batch, reporting only the failed records so that the rest are deleted."""
    processor = NotificationProcessor(OutboundWorkerSettings.from_env(), context, routes)
    return process_sqs_batch(event, context, processor.process_record, failure_metric="Failures")
