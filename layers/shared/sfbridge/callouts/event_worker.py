"""The event worker: each accepted callout event reaches its handler once; by default, the EventBridge bus."""

from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.archive import archive_callout_event
from sfbridge.adapters.delivery_failures import DeliveryFailure, DeliveryFailures, ItemFailure
from sfbridge.adapters.event_bus import EventBus
from sfbridge.adapters.idempotency import run_once
from sfbridge.callouts.catalog import catalog as default_catalog
from sfbridge.callouts.registry import CalloutCatalog, CalloutEvent
from sfbridge.config import CalloutEventWorkerSettings
from sfbridge.models.callouts import CalloutEventDetail, QueuedCalloutEvent
from sfbridge.observability import logger, metrics
from sfbridge.workers import process_sqs_batch

EVENT_SOURCE: Final = "sfbridge.callout-event"


def callout_event_detail(*, id: str, type: str, payload: dict[str, Any], request_id: str) -> dict[str, Any]:
    """The `detail` published for an event; `POST /events/{type}` measures the same one against the bus quota."""
    detail = CalloutEventDetail(id=id, type=type, payload=payload, request_id=request_id)
    return detail.model_dump(mode="json", by_alias=True)


def publish_callout_event(event: CalloutEvent) -> None:
    """The default handler: one EventBridge event, `detail-type` = the event type."""
    payload = event.payload.model_dump(mode="json", by_alias=True)
    detail = callout_event_detail(id=event.id, type=event.type, payload=payload, request_id=event.request_id)
    EventBus(CalloutEventWorkerSettings.from_env().event_bus_name).publish(
        source=EVENT_SOURCE, detail_type=event.type, detail=detail
    )


class CalloutEventDelivery:
    """Hands each queued event to its handler at most once per event id (SQS may deliver a message twice)."""

    def __init__(self, settings: CalloutEventWorkerSettings, context: LambdaContext, catalog: CalloutCatalog) -> None:
        self._catalog = catalog
        self._failures = (
            DeliveryFailures(settings.delivery_failure_table, ttl_seconds=settings.idempotency_ttl_seconds)
            if settings.delivery_failure_table
            else None
        )
        self._deliver_once = run_once(
            self._deliver,
            table_name=settings.idempotency_table,
            ttl_seconds=settings.idempotency_ttl_seconds,
            context=context,
            key_prefix="callout-events",
            data_keyword_argument="key",
            on_repeat=_skipped,
            event_key_jmespath="eventId",
        )

    def process_record(self, record: SQSRecord) -> None:
        event_id = ""
        try:
            queued = QueuedCalloutEvent.model_validate_json(record.body)
            event_id = queued.id
            logger.set_correlation_id(queued.request_id)
            archive_callout_event(record, queued)
            self._deliver_once(key={"eventId": queued.id}, queued=queued)
        except Exception as exc:
            self._record_failure(record, event_id, exc)
            raise

    def _record_failure(self, record: SQSRecord, event_id: str, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"
        logger.error("callout event failed", message_id=record.message_id, event_id=event_id, reason=reason)
        if self._failures is not None:
            items = [ItemFailure(event_id, type(error).__name__, str(error))] if event_id else []
            count = int(record.attributes.approximate_receive_count or 0)
            self._failures.record(DeliveryFailure("events", record.message_id, reason, items, count))

    def _deliver(self, key: dict[str, str], queued: QueuedCalloutEvent) -> dict[str, str]:
        event_type = self._catalog.event_type(queued.type)
        payload = event_type.model.model_validate(queued.payload)
        handler = event_type.handler or publish_callout_event
        handler(CalloutEvent(id=queued.id, type=queued.type, payload=payload, request_id=queued.request_id))
        metrics.add_metric(name="EventsDelivered", unit=MetricUnit.Count, value=1)
        logger.info("event delivered", event_type=queued.type, event_id=queued.id, handler=handler.__name__)
        return {"outcome": "delivered"}


def _skipped(response: Any, idempotent_data: DataRecord) -> Any:
    metrics.add_metric(name="DuplicateEventsSkipped", unit=MetricUnit.Count, value=1)
    logger.info("duplicate event skipped")
    return response


def process_callout_events(
    event: dict[str, Any], context: LambdaContext, catalog: CalloutCatalog = default_catalog
) -> dict[str, Any]:
    """Process an SQS batch, reporting only the failed records so that the rest are deleted."""
    delivery = CalloutEventDelivery(CalloutEventWorkerSettings.from_env(), context, catalog)
    return process_sqs_batch(event, context, delivery.process_record, failure_metric="EventFailures")
