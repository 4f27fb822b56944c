"""Process queued Outbound Messages: each notification takes effect once, and never after a newer version.

Every notification of a message that can be applied is applied; the ones that fail are named in a log line and in
a delivery failure record, and only they make the SQS record fail. SQS then delivers the message again, and the
notifications already applied are skipped as duplicates, so a retry (or a redrive from the dead-letter queue)
applies only what failed before.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.delivery_failures import DeliveryFailure, DeliveryFailures, ItemFailure
from sfbridge.adapters.idempotency import run_once
from sfbridge.adapters.message_store import ClaimChecks
from sfbridge.adapters.record_versions import RecordVersions, VersionKey
from sfbridge.config import OutboundWorkerSettings
from sfbridge.domain.retention import DAY_SECONDS
from sfbridge.domain.versions import RecordVersion, is_in_the_future, record_version
from sfbridge.exceptions import ServerError
from sfbridge.models.outbound import Notification, QueuedOutboundMessage
from sfbridge.observability import logger, metrics
from sfbridge.outbound.handlers import router
from sfbridge.outbound.publish import publish_notification
from sfbridge.outbound.routing import Delivery, ObjectRouter
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.workers import process_sqs_batch

_STORED_ENVELOPE_MAX_BYTES = 64 * 1024 * 1024


class MessageBeyondHorizon(ServerError):
    """Accepted longer ago than the retention horizon: its dedupe and version records may be gone, so applying it
    could repeat a notification or undo a newer version. It stays in the dead-letter queue for an operator."""


class NotificationsFailed(ServerError):
    """Some notifications of the message failed; the others were applied."""


class NotificationProcessor:
    """Applies the notifications of one queued message, each at most once (per organization and notification id)."""

    def __init__(self, settings: OutboundWorkerSettings, context: LambdaContext, routes: ObjectRouter) -> None:
        self._routes = routes
        self._retention = settings.retention
        self._claim_checks = ClaimChecks(settings.claim_check_bucket)
        self._versions = RecordVersions(settings.record_version_table, ttl_seconds=self._retention.dedupe_ttl_seconds)
        self._failures = DeliveryFailures(
            settings.delivery_failure_table, ttl_seconds=self._retention.message_age_limit_seconds + DAY_SECONDS
        )
        self._apply_once = run_once(
            self._apply,
            table_name=settings.idempotency_table,
            ttl_seconds=self._retention.dedupe_ttl_seconds,
            context=context,
            key_prefix="outbound-notifications",
            data_keyword_argument="key",
            on_repeat=self._count_duplicate,
        )

    def process_record(self, record: SQSRecord) -> None:
        try:
            failures = self._apply_message(record)
        except Exception as exc:
            self._report(record, f"message not processed: {type(exc).__name__}: {exc}", [])
            raise
        if failures:
            self._report(record, f"{len(failures)} notification(s) failed", failures)
            raise NotificationsFailed(f"{len(failures)} notification(s) failed: {failures[0].reason}")

    def _apply_message(self, record: SQSRecord) -> list[ItemFailure]:
        queued = QueuedOutboundMessage.model_validate_json(record.body)
        # The receiver's API Gateway request id follows the message, so one id finds both halves in the logs.
        logger.set_correlation_id(queued.request_id)
        if self._retention.is_too_old(queued.received_at, datetime.now(UTC)):
            raise MessageBeyondHorizon(
                f"accepted at {queued.received_at.isoformat()}, more than "
                f"{self._retention.horizon_days} day(s) ago (RetentionHorizonDays)"
            )
        envelope = self._claim_checks.envelope(queued)
        message = parse_outbound_message(envelope, max_bytes=_STORED_ENVELOPE_MAX_BYTES)
        failures = [
            failure
            for notification in message.notifications
            if (failure := self._apply_isolated(queued, notification)) is not None
        ]
        if not failures and queued.envelope_s3_key:
            self._claim_checks.delete(queued.envelope_s3_key, why="message applied")
        return failures

    def _apply_isolated(self, queued: QueuedOutboundMessage, notification: Notification) -> ItemFailure | None:
        """Apply one notification; its failure is returned, so that it never stops the ones after it."""
        key = {"organization_id": queued.organization_id, "notification_id": notification.notification_id}
        try:
            self._apply_once(key=key, queued=queued, notification=notification)
        except Exception as exc:
            return ItemFailure(notification.notification_id, type(exc).__name__, str(exc) or type(exc).__name__)
        return None

    def _apply(self, key: dict[str, str], queued: QueuedOutboundMessage, notification: Notification) -> dict[str, str]:
        if self._is_stale(queued, notification):
            metrics.add_metric(name="StaleSkipped", unit=MetricUnit.Count, value=1)
            logger.info("stale notification skipped", notification_id=notification.notification_id)
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
        )
        (handler or publish_notification)(delivery)
        metrics.add_metric(name="NotificationsProcessed", unit=MetricUnit.Count, value=1)
        logger.info(
            "notification applied",
            notification_id=notification.notification_id,
            sobject_type=notification.sobject_type,
            record_id=notification.record_id,
        )
        return {"outcome": "applied"}

    def _is_stale(self, queued: QueuedOutboundMessage, notification: Notification) -> bool:
        """True when a newer version of the record was already applied for the same action and stamp field."""
        version = self._trusted_version(notification)
        record_id = notification.record_id
        if version is None or not record_id:
            return False
        key = VersionKey(queued.organization_id, queued.action_id, record_id, version.field)
        return not self._versions.advance(key, version, notification_id=notification.notification_id)

    @staticmethod
    def _trusted_version(notification: Notification) -> RecordVersion | None:
        """The notification's version, unless its clock is beyond the allowed skew: then it guards nothing.

        A stamp far in the future (a broken or forged clock) would make every real update of the record stale for
        the version record's lifetime, so it is neither compared nor recorded; the notification is still applied.
        """
        version = record_version(notification.fields)
        if version is not None and is_in_the_future(version, datetime.now(UTC)):
            metrics.add_metric(name="FutureVersionsIgnored", unit=MetricUnit.Count, value=1)
            logger.warning(
                "record version in the future ignored",
                notification_id=notification.notification_id,
                version_field=version.field,
                record_version=version.value,
            )
            return None
        return version

    def _report(self, record: SQSRecord, reason: str, failures: list[ItemFailure]) -> None:
        logger.error(
            "outbound message failed",
            message_id=record.message_id,
            reason=reason,
            notification_ids=[failure.item_id for failure in failures],
            failures=[f"{failure.item_id}: {failure.error_type}: {failure.reason}" for failure in failures],
        )
        receive_count = int(record.attributes.approximate_receive_count or 0)
        self._failures.record(DeliveryFailure("outbound", record.message_id, reason, failures, receive_count))

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
