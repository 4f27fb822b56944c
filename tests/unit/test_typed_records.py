"""Handlers receive typed records: the generated sObject models are registered in `sfbridge.outbound.handlers`."""

import copy
from datetime import UTC, date, datetime

from sfbridge.models.outbound import Notification
from sfbridge.outbound import handlers
from sfbridge.outbound.routing import Delivery, ObjectRouter
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.sobjects import MODELS, Invoice__c, Opportunity
from tests.support import SAMPLE_ORGANIZATION_ID, load_body

OPPORTUNITIES = parse_outbound_message(load_body("outbound_receiver/opportunity-3")).notifications


def deliver(routes: ObjectRouter, notification: Notification) -> Delivery:
    """Route one notification as the worker does, to a handler registered for its type; what the handler got."""
    received: list[Delivery] = []
    routes.on(notification.sobject_type)(received.append)
    delivery = Delivery(
        organization_id=SAMPLE_ORGANIZATION_ID,
        action_id="04k5g0000000001AAA",
        request_id=None,
        notification=notification,
        record=routes.typed_record(notification),
    )

    routes.handler_for(notification.sobject_type, default=lambda _: None)(delivery)

    [handled] = received
    return handled


def project_routes() -> ObjectRouter:
    """The project's router as `sfbridge.outbound.handlers` configures it; a copy, so tests register freely."""
    return copy.deepcopy(handlers.router)


def test_registered_handler_receives_a_typed_opportunity():
    delivery = deliver(project_routes(), OPPORTUNITIES[0])

    record = delivery.record
    assert isinstance(record, Opportunity)
    assert record.Id == "0065g0000000000AAA"
    assert record.Amount == 25000.0
    assert isinstance(record.Amount, float)
    assert record.CloseDate == date(2026, 12, 15)
    assert record.SystemModstamp == datetime(2026, 11, 22, 14, 0, 2, tzinfo=UTC)
    assert record.SystemModstamp.tzinfo is UTC
    assert record.IsWon is False
    assert record.NextStep is None
    assert record.StageName == "Negotiation/Review"


def test_deleted_record_notification_validates_with_only_its_id():
    deleted = OPPORTUNITIES[2]

    record = project_routes().typed_record(deleted)

    assert deleted.is_id_only
    assert isinstance(record, Opportunity)
    assert record.Id == "0065g0000000002AAA"
    assert record.model_fields_set == {"Id"}
    assert record.SystemModstamp is None


def test_field_missing_from_the_wsdl_survives_in_model_extra():
    notification = parse_outbound_message(load_body("outbound_receiver/batch-100")).notifications[7]

    record = project_routes().typed_record(notification)

    assert isinstance(record, Opportunity)
    assert record.model_extra == {"Region__c": "EMEA", "acme__Margin__c": "0.07"}
    assert record.Name == "Renouvellement FY27 Zürich & Genève #7"


def test_custom_object_with_namespaced_fields_is_typed():
    [notification] = parse_outbound_message(load_body("outbound_receiver/invoice-1")).notifications

    record = deliver(project_routes(), notification).record

    assert isinstance(record, Invoice__c)
    assert record.acme__Amount__c == 12_500_000.0
    assert record.acme__Line_Count__c == 3
    assert record.acme__Signature__c == b"\x89PNG\r\n\x1a\n"
    assert record.Is_Paid__c is True
    assert record.Paid_At__c is None
    assert record.Account__c == "0015g0000000500AAA"
    assert record.model_extra == {"acme__Region__c": "EMEA"}
    assert record.model_dump(by_alias=True)["acme__Signature__c"] == "iVBORw0KGgo="


def test_type_without_a_model_still_gets_the_field_dict():
    [notification] = parse_outbound_message(load_body("outbound_receiver/account-1")).notifications

    record = project_routes().typed_record(notification)

    assert "Account" not in MODELS
    assert record == notification.fields


def test_every_generated_model_is_registered_for_its_sobject_type():
    for sobject_type, model in MODELS.items():
        notification = Notification(notification_id="04l5g0000000000AAA", sobject_type=sobject_type, fields={})

        assert isinstance(handlers.router.typed_record(notification), model)
