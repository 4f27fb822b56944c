"""Process queued Outbound Messages: each notification takes effect once, and never after a newer version.

Every notification of a message that can be applied is applied; the ones that fail are named in a log line and in
a delivery failure record, and only they make the SQS record fail. SQS then delivers the message again, and the
notifications already applied are skipped as duplicates, so a retry (or a redrive from the dead-letter queue)
applies only what failed before.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.archive import archive_outbound_message
from sfbridge.adapters.delivery_failures import DeliveryFailure, DeliveryFailures, ItemFailure
from sfbridge.adapters.event_bus import Entry
from sfbridge.adapters.message_store import ClaimCheckMissing, ClaimChecks
from sfbridge.adapters.notification_ledger import COMPLETED, NotificationLedger, dedupe_key
from sfbridge.adapters.record_versions import VersionKey
from sfbridge.config import OutboundWorkerSettings
from sfbridge.domain.retention import DAY_SECONDS
from sfbridge.domain.versions import RecordVersion, is_in_the_future, record_version
from sfbridge.exceptions import ServerError
from sfbridge.models.outbound import Notification, QueuedOutboundMessage
from sfbridge.observability import logger, metrics
from sfbridge.outbound.handlers import router
from sfbridge.outbound.publish import event_bus, notification_entry
from sfbridge.outbound.routing import Delivery, ObjectRouter
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.workers import process_sqs_batch

_STORED_ENVELOPE_MAX_BYTES = 64 * 1024 * 1024
OUTCOME_METRICS: Final = {
    "applied": "NotificationsProcessed",
    "duplicate": "DuplicatesSkipped",
    "stale": "StaleSkipped",
}
"""The count metric of each outcome of a notification."""
MAX_PUBLISHERS: Final = 4
"""Concurrent PutEvents requests per message: one per 128 MB of function memory, at most this many."""


def _count_fallback(items: int) -> None:
    metrics.add_metric(name="TransactionFallbacks", unit=MetricUnit.Count, value=1)
    logger.info("transaction cancelled: its items handled one by one", item_count=items)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _record_lag(received_at: datetime, applied: int) -> None:
    """`DeliveryLagMilliseconds`, once per notification applied: from the receiver's acceptance to its effect."""
    lag_ms = max(0.0, (datetime.now(UTC) - received_at).total_seconds() * 1000)
    for _ in range(applied):
        metrics.add_metric(name="DeliveryLagMilliseconds", unit=MetricUnit.Milliseconds, value=lag_ms)


class MessageBeyondHorizon(ServerError):
    """Accepted longer ago than the retention horizon: its dedupe and version records may be gone, so applying it
    could repeat a notification or undo a newer version. It stays in the dead-letter queue for an operator."""


class NotificationsFailed(ServerError):
    """Some notifications of the message failed; the others were applied."""


@dataclass(slots=True)
class Pending:
    """One notification on its way through the worker, and what became of it."""

    notification: Notification
    key: str
    version_key: str | None
    version: RecordVersion | None
    outcome: str | None = None
    """`applied`, `stale` or `duplicate` once settled."""
    failure: ItemFailure | None = None

    def fail(self, error_type: str, reason: str) -> None:
        self.failure = ItemFailure(self.notification.notification_id, error_type, reason)


class NotificationProcessor:
    """Applies the notifications of one queued message, each at most once (per organization and notification id).

    AWS calls are batched per message: one BatchGetItem for the dedupe records (and one for the versions), one
    transaction to lock the new notifications and one to advance their versions, PutEvents with 10 entries, and
    BatchWriteItem to mark them done. A transaction cancelled by one item falls back to item-by-item handling for
    its items (metric `TransactionFallbacks`), so one duplicate or stale notification never fails the others.
    """

    def __init__(self, settings: OutboundWorkerSettings, context: LambdaContext, routes: ObjectRouter) -> None:
        self._routes = routes
        self._context = context
        self._retention = settings.retention
        self._claim_checks = ClaimChecks(settings.claim_check_bucket, warn=logger.warning)
        self._bus = event_bus(settings)
        self._ledger = NotificationLedger(
            idempotency_table=settings.idempotency_table,
            version_table=settings.record_version_table,
            ttl_seconds=self._retention.dedupe_ttl_seconds,
        )
        self._failures = DeliveryFailures(
            settings.delivery_failure_table, ttl_seconds=self._retention.message_age_limit_seconds + DAY_SECONDS
        )
        # botocore clients are thread-safe; a small pool overlaps the PutEvents requests of one message.
        self._pool_size = max(1, min(MAX_PUBLISHERS, int(getattr(context, "memory_limit_in_mb", 128)) // 128))

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
        # A forced replay (`sfbridge replay --force`) is an operator applying a message again on purpose.
        if not queued.replay and self._retention.is_too_old(queued.received_at, datetime.now(UTC)):
            raise MessageBeyondHorizon(
                f"accepted at {queued.received_at.isoformat()}, more than "
                f"{self._retention.horizon_days} day(s) ago (RetentionHorizonDays)"
            )
        try:
            envelope = self._claim_checks.envelope(queued)
        except ClaimCheckMissing:
            if self._all_completed(queued):  # applied before, its claim check deleted: this is a redelivery
                logger.info("claim check already deleted: every notification was applied", message_id=record.message_id)
                return []
            raise
        message = parse_outbound_message(envelope, max_bytes=_STORED_ENVELOPE_MAX_BYTES)
        archive_outbound_message(record, queued, message, envelope)
        failures = self._apply_notifications(queued, message.notifications)
        if not failures and queued.envelope_s3_key and not queued.replay:
            self._claim_checks.delete(queued.envelope_s3_key, why="message applied")
        return failures

    def _all_completed(self, queued: QueuedOutboundMessage) -> bool:
        keys = [dedupe_key(queued.organization_id, notification_id) for notification_id in queued.notification_ids]
        states = self._ledger.dedupe_states(keys)
        return all(key in states and states[key].status == COMPLETED for key in keys)

    def _apply_notifications(
        self, queued: QueuedOutboundMessage, notifications: list[Notification]
    ) -> list[ItemFailure]:
        batch = [self._pending(queued, notification) for notification in notifications]
        # A forced replay (`sfbridge replay --force`) applies again on purpose: it skips the dedupe records.
        claimed = batch if queued.replay else self._claim(self._fresh(batch))
        self._guard_versions(claimed)
        self._deliver(queued, [pending for pending in claimed if pending.outcome is None])
        if not queued.replay:
            self._ledger.settle(
                completed={p.key: p.outcome for p in claimed if p.outcome and p.failure is None},
                released=[p.key for p in claimed if p.failure is not None],
            )
        self._count(batch)
        if not queued.replay:  # a replay's acceptance time is the original one: its lag says nothing of the path
            _record_lag(queued.received_at, sum(p.outcome == "applied" and p.failure is None for p in batch))
        return [pending.failure for pending in batch if pending.failure is not None]

    def _pending(self, queued: QueuedOutboundMessage, notification: Notification) -> Pending:
        version = self._trusted_version(notification)
        record_id = notification.record_id
        version_key = (
            VersionKey(queued.organization_id, queued.action_id, record_id, version.field).pk
            if version is not None and record_id
            else None
        )
        key = dedupe_key(queued.organization_id, notification.notification_id)
        return Pending(notification, key, version_key, version)

    def _fresh(self, batch: list[Pending]) -> list[Pending]:
        """The notifications not applied before (and not being applied by another worker right now)."""
        states, now_ms, seen = self._ledger.dedupe_states([p.key for p in batch]), _now_ms(), set()
        fresh = []
        for pending in batch:
            state = states.get(pending.key)
            if pending.key in seen or (state is not None and state.status == COMPLETED):
                pending.outcome = "duplicate"
            elif state is not None and state.is_locked(now_ms):
                pending.fail("NotificationInProgress", "another worker holds it; it is retried")
            else:
                fresh.append(pending)
            seen.add(pending.key)
        return fresh

    def _claim(self, fresh: list[Pending]) -> list[Pending]:
        lock_ms = max(1000, self._context.get_remaining_time_in_millis())
        cancelled = set(self._ledger.claim_all([p.key for p in fresh], lock_ms=lock_ms))
        if cancelled:
            _count_fallback(len(cancelled))
        claimed = []
        for pending in fresh:
            if pending.key not in cancelled or self._ledger.claim(pending.key, lock_ms=lock_ms):
                claimed.append(pending)
            elif self._all_done([pending.key]):
                pending.outcome = "duplicate"
            else:
                pending.fail("NotificationInProgress", "another worker holds it; it is retried")
        return claimed

    def _all_done(self, keys: list[str]) -> bool:
        states = self._ledger.dedupe_states(keys)
        return all(key in states and states[key].status == COMPLETED for key in keys)

    def _guard_versions(self, claimed: list[Pending]) -> None:
        """Mark stale the notifications older than a version already applied, and record the newest versions."""
        guarded = [(p, p.version_key, p.version.value) for p in claimed if p.version_key and p.version]
        stored = self._ledger.versions([key for _, key, _ in guarded]) if guarded else {}
        newest: dict[str, tuple[str, str]] = {}
        for pending, key, version in guarded:  # in message order, so that a record's later notification wins
            if version < max(stored.get(key, ""), newest.get(key, ("", ""))[0]):
                pending.outcome = "stale"
            else:
                newest[key] = (version, pending.notification.notification_id)
        cancelled = set(self._ledger.advance_all(newest))
        if cancelled:
            _count_fallback(len(cancelled))
        for pending, key, version in guarded:
            notification_id = pending.notification.notification_id
            if key in cancelled and pending.outcome is None and not self._ledger.advance(key, version, notification_id):
                pending.outcome = "stale"

    def _deliver(self, queued: QueuedOutboundMessage, ready: list[Pending]) -> None:
        to_bus: list[tuple[Pending, Entry]] = []
        for pending in ready:
            handler = self._routes.registered(pending.notification.sobject_type)
            try:
                # Only a registered handler asks for the typed model: the default event carries the fields as
                # sent, so a value the model would refuse never blocks publication.
                record = (
                    pending.notification.fields if handler is None else self._routes.typed_record(pending.notification)
                )
                delivery = Delivery(
                    queued.organization_id,
                    queued.action_id,
                    queued.request_id,
                    pending.notification,
                    record,
                    replay=bool(queued.replay),
                )
                if handler is None:
                    to_bus.append((pending, notification_entry(delivery)))
                else:
                    handler(delivery)
                    self._applied(pending)
            except Exception as exc:
                pending.fail(type(exc).__name__, str(exc) or type(exc).__name__)
        self._publish(to_bus)

    def _publish(self, to_bus: list[tuple[Pending, Entry]]) -> None:
        if not to_bus:
            return
        records = [pending.notification.record_id for pending, _ in to_bus]
        # Two notifications of one record in one message keep their order: then the requests go one by one.
        parallel = self._pool_size > 1 and len(set(records)) == len(records)
        with ThreadPoolExecutor(self._pool_size) if parallel else nullcontext() as pool:
            errors = self._bus.publish_each([entry for _, entry in to_bus], pool=pool)
        for (pending, _), error in zip(to_bus, errors, strict=True):
            if error is None:
                self._applied(pending)
            else:
                error_type, _, reason = error.partition(": ")
                pending.fail(error_type, reason)

    @staticmethod
    def _applied(pending: Pending) -> None:
        pending.outcome = "applied"
        logger.info(
            "notification applied",
            notification_id=pending.notification.notification_id,
            sobject_type=pending.notification.sobject_type,
            record_id=pending.notification.record_id,
        )

    @staticmethod
    def _count(batch: list[Pending]) -> None:
        for outcome, metric in OUTCOME_METRICS.items():
            ids = [p.notification.notification_id for p in batch if p.outcome == outcome and p.failure is None]
            if ids:
                metrics.add_metric(name=metric, unit=MetricUnit.Count, value=len(ids))
                if outcome != "applied":
                    logger.info("notifications skipped", outcome=outcome, notification_ids=ids)

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


def process_outbound_batch(
    event: dict[str, Any], context: LambdaContext, routes: ObjectRouter = router
) -> dict[str, Any]:
    """Process an SQS batch, reporting only the failed records so that the rest are deleted."""
    processor = NotificationProcessor(OutboundWorkerSettings.from_env(), context, routes)
    return process_sqs_batch(event, context, processor.process_record, failure_metric="Failures")
