"""The event worker: each accepted callout event reaches its handler once; by default, the EventBridge bus."""

from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.archive import archive_callout_event
from sfbridge.adapters.event_bus import EventBus
from sfbridge.adapters.idempotency import run_once
from sfbridge.callouts.catalog import catalog as default_catalog
from sfbridge.callouts.registry import CalloutCatalog, CalloutEvent
from sfbridge.config import CalloutEventWorkerSettings
from sfbridge.models.callouts import CalloutEventDetail, QueuedCalloutEvent
from sfbridge.observability import logger, metrics
from sfbridge.workers import process_sqs_batch

EVENT_SOURCE: Final = "sfbridge.callout-event"


def publish_callout_event(event: CalloutEvent) -> None:
    """The default handler: one EventBridge event, `detail-type` = the event type."""
    detail = CalloutEventDetail(
        id=event.id,
        type=event.type,
        payload=event.payload.model_dump(mode="json", by_alias=True),
        request_id=event.request_id,
    )
    EventBus(CalloutEventWorkerSettings.from_env().event_bus_name).publish(
        source=EVENT_SOURCE, detail_type=event.type, detail=detail.model_dump(mode="json", by_alias=True)
    )


class CalloutEventDelivery:
    """Hands each queued event to its handler at most once per event id (SQS may deliver a message twice)."""

    def __init__(self, settings: CalloutEventWorkerSettings, context: LambdaContext, catalog: CalloutCatalog) -> None:
        self._catalog = catalog
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
        queued = QueuedCalloutEvent.model_validate_json(record.body)
        logger.set_correlation_id(queued.request_id)
        archive_callout_event(record, queued)
        self._deliver_once(key={"eventId": queued.id}, queued=queued)

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
